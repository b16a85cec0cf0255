#!/usr/bin/python3
"""A native WebView host on WebKitGTK, the engine of WKWebView, built like a Capacitor or WKWebView shell.

- The page and its assets come from files through a custom URI scheme (`app://splitflow/...`), as
  Capacitor's `capacitor://localhost` or a WKURLSchemeHandler serves a bundled app.
- The bridge is a script message handler: the page calls
  `window.webkit.messageHandlers.splitflow.postMessage(json)`, the iOS API, and the host delivers its
  own messages as `message` events on `window`, as React Native's WebView does on iOS.
- Storage can be limited per origin (WebsiteDataManager's origin-storage-ratio, a share of the data
  folder's volume), as a strict host or a full disk would.

Protocol with whoever runs it: each stdin line is a JSON host message (examples/webview/protocol.ts),
posted to the page once it has loaded; stdout gets one JSON object a line:
`{"event": "loaded", "uri": ...}`, `{"event": "page", "message": {...}}` for every bridge message,
`{"event": "load-failed" | "web-process-terminated" | "bad-input", ...}`. stdin closing quits.
"""

import argparse
import json
import mimetypes
import os
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gio, GLib, Gtk, WebKit2  # noqa: E402

SCHEME = "app"
HOST = "splitflow"
HANDLER = "splitflow"
TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript", ".onnx": "application/octet-stream"}


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True, help="folder served as app://splitflow/")
    parser.add_argument("--page", default="index.html", help="page to open, relative to --root")
    parser.add_argument("--data-dir", required=True, help="the WebView's website data (Cache API, IndexedDB)")
    parser.add_argument("--origin-quota-bytes", type=int, default=0, help="storage each origin may use; 0 keeps WebKit's default")
    return parser.parse_args()


def scheme_handler(root):
    root = os.path.realpath(root)

    def respond(request, status, body, mime):
        stream = Gio.MemoryInputStream.new_from_bytes(GLib.Bytes.new(body))
        response = WebKit2.URISchemeResponse.new(stream, len(body))
        response.set_status(status, None)
        response.set_content_type(mime)
        request.finish_with_response(response)

    def handle(request):
        path = os.path.realpath(os.path.join(root, GLib.uri_unescape_string(request.get_path(), None).lstrip("/")))
        if request.get_uri().split("/")[2] != HOST or not path.startswith(root + os.sep) or not os.path.isfile(path):
            respond(request, 404, b"not found", "text/plain")
            return
        with open(path, "rb") as f:
            body = f.read()
        mime = TYPES.get(os.path.splitext(path)[1]) or mimetypes.guess_type(path)[0] or "application/octet-stream"
        respond(request, 200, body, mime)

    return handle


def volume_bytes(path):
    st = os.statvfs(path)
    return st.f_blocks * st.f_frsize


def main():
    args = parse_args()
    os.makedirs(args.data_dir, exist_ok=True)
    data = {"base_data_directory": os.path.join(args.data_dir, "data"), "base_cache_directory": os.path.join(args.data_dir, "cache")}
    if args.origin_quota_bytes > 0:
        # WebKit takes the quota as a share of the data folder's volume.
        ratio = args.origin_quota_bytes / volume_bytes(args.data_dir)
        data.update(origin_storage_ratio=ratio, total_storage_ratio=ratio)
    manager = WebKit2.WebsiteDataManager(**data)
    context = WebKit2.WebContext(website_data_manager=manager)
    context.register_uri_scheme(SCHEME, scheme_handler(args.root))
    security = context.get_security_manager()
    # A secure origin (Cache API, Workers, crypto.subtle) that may use CORS, like https.
    security.register_uri_scheme_as_secure(SCHEME)
    security.register_uri_scheme_as_cors_enabled(SCHEME)

    content = WebKit2.UserContentManager()
    content.register_script_message_handler(HANDLER)

    def on_message(_manager, result):
        value = result.get_js_value() if hasattr(result, "get_js_value") else result
        text = value.to_string()
        try:
            emit("page", message=json.loads(text))
        except ValueError:
            emit("page", raw=text)

    content.connect("script-message-received::" + HANDLER, on_message)

    view = WebKit2.WebView(web_context=context, user_content_manager=content)
    settings = view.get_settings()
    settings.set_enable_write_console_messages_to_stdout(False)
    settings.set_enable_developer_extras(True)
    loaded = {"done": False}
    pending = []

    def post(message):
        data = json.dumps(json.dumps(message))
        view.evaluate_javascript(f"window.dispatchEvent(new MessageEvent('message', {{ data: {data} }}))", -1, None, None, None, None, None)

    def on_load(_view, event):
        if event == WebKit2.LoadEvent.FINISHED:
            loaded["done"] = True
            emit("loaded", uri=view.get_uri())
            while pending:
                post(pending.pop(0))

    def on_failed(_view, _event, uri, error):
        emit("load-failed", uri=uri, message=error.message)
        return False

    view.connect("load-changed", on_load)
    view.connect("load-failed", on_failed)
    view.connect("web-process-terminated", lambda _v, reason: emit("web-process-terminated", reason=int(reason)))

    def on_stdin(channel, _condition):
        line = channel.readline()
        if not line:  # stdin closed: the app is going away
            Gtk.main_quit()
            return False
        line = line.strip()
        if not line:
            return True
        try:
            message = json.loads(line)
        except ValueError as error:
            emit("bad-input", message=str(error))
            return True
        if loaded["done"]:
            post(message)
        else:
            pending.append(message)
        return True

    stdin = GLib.IOChannel.unix_new(sys.stdin.fileno())
    GLib.io_add_watch(stdin, GLib.PRIORITY_DEFAULT, GLib.IOCondition.IN | GLib.IOCondition.HUP | GLib.IOCondition.ERR, on_stdin)

    window = Gtk.Window(title="Splitflow WebView host")
    window.set_default_size(800, 600)
    window.add(view)
    window.connect("destroy", Gtk.main_quit)
    window.show_all()
    view.load_uri(f"{SCHEME}://{HOST}/{args.page}")
    emit("started", webkit=f"{WebKit2.get_major_version()}.{WebKit2.get_minor_version()}.{WebKit2.get_micro_version()}")
    Gtk.main()


if __name__ == "__main__":
    main()
