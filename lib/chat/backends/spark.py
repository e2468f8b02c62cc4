"""iFLYTEK Spark over its signed WebSocket, fine-tuned MaaS models included."""
from __future__ import annotations

import os

from lib.chat import Backend, BackendSpec, ConfigField, Secret, register
from lib.errors import BadInputError


def make(ws, cfg: dict, secret: Secret) -> Backend:
    from lib.chat.spark import SparkBackend, SparkConfig

    def setting(key: str, env: str) -> str:
        return cfg.get(key) or os.environ.get(env) or ""

    url, app_id = setting("url", "METWIN_SPARK_URL"), setting("app_id", "METWIN_SPARK_APP_ID")
    domain = setting("domain", "METWIN_SPARK_DOMAIN")
    key, sec = secret("METWIN_SPARK_API_KEY"), secret("METWIN_SPARK_API_SECRET")
    if not (url and app_id and domain):
        raise BadInputError("the Spark backend needs its URL, app id and domain (chat settings, or "
                            "METWIN_SPARK_URL, METWIN_SPARK_APP_ID, METWIN_SPARK_DOMAIN)")
    if not (key and sec):
        raise BadInputError("the Spark backend needs METWIN_SPARK_API_KEY and METWIN_SPARK_API_SECRET in "
                            ".streamlit/secrets.toml or the environment")
    return SparkBackend(SparkConfig(url=url, app_id=app_id, api_key=key, api_secret=sec, domain=domain,
                                    patch_id=setting("patch_id", "METWIN_SPARK_PATCH_ID")))


register(BackendSpec(
    "spark", "chat.backend.spark", make, prompt_memory=True, order=20,
    fields=(ConfigField("url", "chat.spark_url", placeholder="wss://maas-api.cn-huabei-1.xf-yun.com/v1.1/chat"),
            ConfigField("app_id", "chat.spark_app"),
            ConfigField("domain", "chat.spark_domain", "chat.spark_domain_help"),
            ConfigField("patch_id", "chat.spark_patch", "chat.spark_patch_help")),
    secrets=(("METWIN_SPARK_API_KEY",), ("METWIN_SPARK_API_SECRET",)),
    keys_caption=("chat.spark_keys_found", "chat.spark_keys_none"),
))
