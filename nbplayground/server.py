"""The Jupyter server's kernel WebSockets with Nagle's algorithm off (TCP_NODELAY).

jupyter_server leaves tornado's default on its kernel WebSockets: Nagle's
algorithm on.  A widget frame is several WebSocket messages written one after
another; with Nagle on, the kernel's later writes wait until the previous TCP
segment is acknowledged (the peer's delayed ACK), so pictures sent evenly by the
kernel (every 31-60 ms) reach the page in pairs a few ms apart and two land in
one animation frame: about 16 painted frames/s instead of 23 (benchmarks/live.py,
``--server-nodelay``).

:class:`NoDelayWebsocketConnection` is jupyter_server's default kernel WebSocket
connection with ``set_nodelay(True)`` on its socket once it is open, and nothing
else changed.

How a server gets it: this module is a jupyter_server extension, enabled by
``jupyter-config/jupyter_server_config.d/nbplayground.json``, which the package
installs into ``<prefix>/etc/jupyter/`` (JupyterLab, Notebook 7 and Voila's
preview in them all run on that server).  jupyter_server reads only
``jpserver_extensions`` from ``config.d`` files, so the file enables the
extension and :func:`_load_jupyter_server_extension` selects the class through
the server's own setting, ``kernel_websocket_connection_class``, only where it
is still the default: a class the user configured (or the gateway's) is left
alone, and said so in the log.  Off: ``jupyter server extension disable
nbplayground.server``.  The standalone app (:mod:`nbplayground.app`) gives the
class to Voila on its command line (Voila's own server loads no extensions).
"""

from __future__ import annotations

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

__all__ = ["NoDelayWebsocketConnection", "CLASS_NAME", "SETTING"]

#: The class's import name, as Voila's option gives it.
CLASS_NAME = "nbplayground.server.NoDelayWebsocketConnection"
#: The ServerApp option (and tornado setting) naming the kernel WebSocket connection class.
SETTING = "kernel_websocket_connection_class"


class NoDelayWebsocketConnection(ZMQChannelsWebsocketConnection):
    """jupyter_server's default kernel WebSocket connection, with TCP_NODELAY set.

    The handler calls :meth:`connect` from its ``open()``, once the WebSocket
    handshake is done (so its stream exists); everything else is the parent's.
    """

    def connect(self):
        self.websocket_handler.set_nodelay(True)
        return super().connect()


def _jupyter_server_extension_points():
    return [{"module": "nbplayground.server"}]


def _load_jupyter_server_extension(serverapp) -> None:
    """Use :class:`NoDelayWebsocketConnection` if the server's class is the default one.

    Runs after the web application is made from the server's options, so the
    class in effect is the one in its settings.
    """
    settings = serverapp.web_app.settings
    current = settings.get(SETTING)
    configured = SETTING in serverapp.config.get("ServerApp", {})
    if current is ZMQChannelsWebsocketConnection and not configured:
        settings[SETTING] = NoDelayWebsocketConnection
        serverapp.kernel_websocket_connection_class = NoDelayWebsocketConnection
        serverapp.log.info("nbplayground: kernel WebSockets with TCP_NODELAY (%s)", CLASS_NAME)
    else:
        name = getattr(current, "__qualname__", current)
        serverapp.log.info("nbplayground: kernel WebSockets left to the configured %s "
                           "(no TCP_NODELAY from nbplayground)", name)
