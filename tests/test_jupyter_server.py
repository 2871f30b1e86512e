"""A real Jupyter server: token auth, contents API, a `campaignkit` kernel that imports the kit."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid

import pytest

from campaignkit.config import KERNEL_NAME, NOTEBOOKS_DIR

requests = pytest.importorskip("requests")
websocket = pytest.importorskip("websocket")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _allow_root() -> list[str]:
    """The flag `make lab` adds: Jupyter refuses root without it, and non-root users never need it."""
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    token, port = secrets.token_hex(16), _free_port()
    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={NOTEBOOKS_DIR}",
            "--ServerApp.port_retries=0",
            *_allow_root(),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(f"{base}/api/status", params={"token": token}, timeout=2).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.5)
        if proc.poll() is not None:
            pytest.fail(f"jupyter server exited: {proc.stderr.read().decode()[-2000:]}")
    else:
        proc.kill()
        pytest.fail("jupyter server did not start within 60 s")
    yield base, token, port
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_requests_without_token_are_refused(server):
    base, _, _ = server
    assert requests.get(f"{base}/api/contents", timeout=10).status_code == 403
    assert requests.post(f"{base}/api/kernels", json={"name": KERNEL_NAME}, timeout=10).status_code == 403


def test_lists_notebooks_and_runs_kit_in_campaignkit_kernel(server):
    base, token, port = server
    auth = {"Authorization": f"token {token}"}
    listing = requests.get(f"{base}/api/contents", headers=auth, timeout=10).json()
    names = {item["name"] for item in listing["content"]}
    assert "00_quickstart.ipynb" in names
    specs = requests.get(f"{base}/api/kernelspecs", headers=auth, timeout=10).json()["kernelspecs"]
    assert KERNEL_NAME in specs, "kernelspec 'campaignkit' is not registered (run `make install`)"
    kernel = requests.post(f"{base}/api/kernels", headers=auth, json={"name": KERNEL_NAME}, timeout=60).json()
    try:
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}/api/kernels/{kernel['id']}/channels?token={token}", timeout=60
        )
        msg_id = uuid.uuid4().hex
        ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": "test",
                        "session": uuid.uuid4().hex,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "channel": "shell",
                    "content": {
                        "code": "import campaignkit; print('kit', campaignkit.__version__)",
                        "silent": False,
                        "store_history": False,
                        "user_expressions": {},
                        "allow_stdin": False,
                    },
                }
            )
        )
        # iopub and shell messages interleave: wait for both the reply and the kernel going idle
        out, status, idle, deadline = "", None, False, time.time() + 90
        while time.time() < deadline and not (status == "ok" and idle):
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out += msg["content"]["text"]
            elif msg["msg_type"] == "status":
                idle = msg["content"]["execution_state"] == "idle"
            elif msg["msg_type"] == "execute_reply":
                status = msg["content"]["status"]
                assert status == "ok", msg["content"]
        ws.close()
        import campaignkit

        assert f"kit {campaignkit.__version__}" in out
    finally:
        requests.delete(f"{base}/api/kernels/{kernel['id']}", headers=auth, timeout=30)
