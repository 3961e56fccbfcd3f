"""Small assertions shared by several test files."""

from __future__ import annotations

import pytest


def one_line(exc: pytest.ExceptionInfo) -> str:
    """The exception's message, asserting that it is one non-empty line (the library's promise)."""
    text = str(exc.value)
    assert text and "\n" not in text
    return text


def load_benchmark(name: str):
    """Import ``benchmarks/<name>.py`` (a script, not a package) as a module."""
    import importlib.util
    import sys
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "benchmarks"
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))  # the scripts import their shared _results module
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LocalOrigin:
    """A tiny HTTP server on 127.0.0.1 serving fixed bytes by path, in a thread (tests' own "internet").

    ``requests`` lists the paths asked for; set ``corrupt = True`` to serve the bytes reversed, or
    ``status`` to an HTTP error code; :meth:`close` stops it (later connections are refused).
    """

    def __init__(self, files: dict[str, bytes]) -> None:
        import http.server
        import threading

        self.files, self.requests, self.corrupt, self.status = dict(files), [], False, 200
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                origin.requests.append(self.path)
                data = origin.files.get(self.path)
                if data is None or origin.status != 200:
                    self.send_error(404 if data is None else origin.status)
                    return
                data = data[::-1] if origin.corrupt else data
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.port = self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
