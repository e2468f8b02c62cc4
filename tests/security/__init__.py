"""Issue 14's attacks on MeTwin, replayed as tests (hostile input, files, servers, concurrency; loopback only)."""
