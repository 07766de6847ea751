"""nbplayground.server: the kernel WebSockets with TCP_NODELAY, the server extension that
selects them, and the config file that enables it."""

from __future__ import annotations

import importlib
import json
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("jupyter_server")
from traitlets.config import Config  # noqa: E402
from jupyter_server.services.kernels.connection.channels import (  # noqa: E402
    ZMQChannelsWebsocketConnection,
)

from nbplayground import server  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONFIG = "jupyter-config/jupyter_server_config.d/nbplayground.json"


class FakeHandler:
    """Records what the connection asks of its WebSocket handler."""

    def __init__(self):
        self.calls = []

    def set_nodelay(self, value):
        self.calls.append(("set_nodelay", value))


def test_the_class_is_the_default_connection_with_nodelay(monkeypatch):
    cls = server.NoDelayWebsocketConnection
    assert issubclass(cls, ZMQChannelsWebsocketConnection)
    # it overrides connect() only: everything else is the default's
    own = {name for name in vars(cls) if not name.startswith("_")}  # (traitlets adds _ names)
    assert own == {"connect"}, own

    handler = FakeHandler()
    sentinel = object()
    seen = []

    def parent_connect(self):
        seen.append(list(handler.calls))   # Nagle is off before the parent connects
        return sentinel

    monkeypatch.setattr(ZMQChannelsWebsocketConnection, "connect", parent_connect)
    conn = cls.__new__(cls)                 # no kernel; the handler set without validation
    conn._trait_values["websocket_handler"] = handler
    assert conn.connect() is sentinel       # the parent's future is returned unchanged
    assert seen == [[("set_nodelay", True)]]
    assert handler.calls == [("set_nodelay", True)]


def test_the_handler_connects_once_the_websocket_is_open():
    """set_nodelay needs the open stream: jupyter_server's handler calls connect() from
    open(), after the handshake (tornado's set_nodelay asserts ws_connection)."""
    import inspect

    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
    assert "self.connection.connect()" in inspect.getsource(KernelWebsocketHandler.open)


class FakeServerApp:
    """What the load hook uses of a ServerApp: its config, log and web app's settings."""

    def __init__(self, current, config=None):
        self.config = Config(config or {})
        self.web_app = SimpleNamespace(settings={server.SETTING: current})
        self.kernel_websocket_connection_class = current
        self.logged = []
        self.log = SimpleNamespace(info=lambda msg, *args: self.logged.append(msg % args))


def test_the_extension_sets_the_class_only_where_it_is_the_default():
    app = FakeServerApp(ZMQChannelsWebsocketConnection)
    server._load_jupyter_server_extension(app)
    assert app.web_app.settings[server.SETTING] is server.NoDelayWebsocketConnection
    assert app.kernel_websocket_connection_class is server.NoDelayWebsocketConnection
    assert "TCP_NODELAY" in app.logged[0]

    class Other(ZMQChannelsWebsocketConnection):
        pass

    # another class (the user's, or the gateway's) is left, and the log says so
    app = FakeServerApp(Other)
    server._load_jupyter_server_extension(app)
    assert app.web_app.settings[server.SETTING] is Other
    assert app.kernel_websocket_connection_class is Other
    assert "left to the configured" in app.logged[0] and "Other" in app.logged[0]
    # the default class chosen explicitly by the user is left too
    app = FakeServerApp(ZMQChannelsWebsocketConnection,
                        {"ServerApp": {server.SETTING: ZMQChannelsWebsocketConnection}})
    server._load_jupyter_server_extension(app)
    assert app.web_app.settings[server.SETTING] is ZMQChannelsWebsocketConnection


def test_config_file_is_installed_and_enables_the_extension():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    targets = project["tool"]["hatch"]["build"]["targets"]
    assert targets["wheel"]["shared-data"][CONFIG] == "etc/jupyter/jupyter_server_config.d/nbplayground.json"
    assert "jupyter-config/" in targets["sdist"]["include"]
    config = json.loads((ROOT / CONFIG).read_text())
    assert config == {"ServerApp": {"jpserver_extensions": {"nbplayground.server": True}}}
    points = importlib.import_module("nbplayground.server")._jupyter_server_extension_points()
    assert points == [{"module": "nbplayground.server"}]


def test_the_app_gives_voila_the_class():
    voila_app = pytest.importorskip("voila.app")
    from nbplayground import app
    voila = voila_app.Voila()
    voila.parse_command_line(app.voila_argv("/tmp/x/nbplayground.ipynb", 9999))
    assert voila.kernel_websocket_connection_class is server.NoDelayWebsocketConnection


def test_the_server_finds_the_extension(tmp_path, monkeypatch):
    """jupyter_server reads the file from a config directory (as it would from
    <prefix>/etc/jupyter once installed) and enables the extension."""
    from jupyter_server.serverapp import ServerApp
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(ROOT / "jupyter-config"))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "user"))
    app = ServerApp()
    assert str(ROOT / "jupyter-config") in app.config_file_paths
    app.find_server_extensions()
    assert app.jpserver_extensions.get("nbplayground.server") is True
