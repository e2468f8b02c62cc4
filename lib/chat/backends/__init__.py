"""One module per chat backend. Each calls :func:`lib.chat.register` with its :class:`lib.chat.BackendSpec`: its name,
label, settings fields, the keys it needs and how to build it. :mod:`lib.chat` imports every module here, so adding a
backend is one new module (plus its two labels and a test); the CLI, ``serve``, the Chat page's form and the memory
default all read the registry.

Keep these modules light: import the backend's heavy libraries inside ``make``, so listing backends stays cheap."""
