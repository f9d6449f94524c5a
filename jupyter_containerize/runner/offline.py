"""Serve the URLs fetched at build time from the image, without the network.

A ``.pth`` file in the image's environment loads this file at every interpreter start when
``/opt/containerize/urls/index.json`` exists (a build with ``fetch_data``). urllib's global
opener (``urlopen``, ``urlretrieve``; pandas' ``read_csv("https://...")``, seaborn's
``load_dataset``) and requests' HTTP adapter then answer a fetched URL with its file; every
other URL goes to the network as before. This file imports nothing from jupyter_containerize.
"""

import email.message
import json
import os
import urllib.request
import urllib.response

FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "urls")


def _index() -> dict:
    try:
        with open(os.path.join(FOLDER, "index.json"), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


INDEX = _index()


def local_file(url: str):
    name = INDEX.get(url)
    return os.path.join(FOLDER, name) if name else None


class FetchedURLs(urllib.request.BaseHandler):
    handler_order = 100  # before the network handlers (500)

    def _open(self, request):
        path = local_file(request.full_url)
        if path is None:
            return None  # not fetched at build time: the next handler goes to the network
        headers = email.message.Message()
        headers["Content-Length"] = str(os.path.getsize(path))
        response = urllib.response.addinfourl(open(path, "rb"), headers, request.full_url, 200)
        response.msg = "OK"  # read by urllib's HTTPErrorProcessor, as on a real response
        return response

    http_open = https_open = ftp_open = _open


def _patch_requests() -> None:
    try:
        import requests.adapters
        import urllib3
    except ImportError:
        return
    send = requests.adapters.HTTPAdapter.send

    def send_fetched(self, request, **kwargs):
        path = local_file(request.url)
        if path is None:
            return send(self, request, **kwargs)
        body = urllib3.response.HTTPResponse(body=open(path, "rb"), status=200, preload_content=False,
                                             headers={"Content-Length": str(os.path.getsize(path))})
        return self.build_response(request, body)

    requests.adapters.HTTPAdapter.send = send_fetched


if INDEX:
    urllib.request.install_opener(urllib.request.build_opener(FetchedURLs))
    _patch_requests()
