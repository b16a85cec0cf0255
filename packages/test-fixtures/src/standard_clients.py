"""OIP v2 calls from clients the project does not write: Python's grpcio, with stubs generated from the
official proto by grpc_tools, and Python's http.client / urllib sending REST as Triton's and curl's
clients do (no Content-Type; the form type). Reports what it saw as one JSON line; the vitest suite
(standard-clients.integration.test.ts) states what it must be.

usage: python3 standard_clients.py '{"rest": URL, "grpc": "host:port", "proto": PATH, "token": KEY|null,
                                     "model": "echo", "version": "1.0.0", "n": N, "f": HEX, "i": HEX, "s": HEX}'
"""

import http.client
import json
import os
import struct
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

args = json.loads(sys.argv[1])
out_dir = tempfile.mkdtemp(prefix="oip-stubs-")
proto_dir, proto_file = os.path.split(args["proto"])
subprocess.check_call(
    [sys.executable, "-m", "grpc_tools.protoc", f"-I{proto_dir}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}", proto_file]
)
sys.path.insert(0, out_dir)
stem = proto_file[: -len(".proto")]
pb = __import__(f"{stem}_pb2")
pb_grpc = __import__(f"{stem}_pb2_grpc")
import grpc  # noqa: E402

n = args["n"]
model, version = args["model"], args["version"]
raw = {"f": bytes.fromhex(args["f"]), "i": bytes.fromhex(args["i"]), "s": bytes.fromhex(args["s"])}
datatypes = {"f": "FP32", "i": "INT64", "s": "BYTES"}
auth = [("authorization", f"Bearer {args['token']}")] if args.get("token") else []
report = {"grpc": {}, "rest": {}}


def param_value(p):
    which = p.WhichOneof("parameter_choice")
    return None if which is None else getattr(p, which)


def grpc_error(call):
    try:
        call()
        return {"code": "OK"}
    except grpc.RpcError as error:
        return {"code": error.code().name, "details": error.details(), "metadata": {k: v for k, v in (error.trailing_metadata() or [])}}


def infer_summary(response, initial):
    return {
        "model_name": response.model_name,
        "outputs": [{"name": o.name, "datatype": o.datatype, "shape": list(o.shape)} for o in response.outputs],
        "raw": [r.hex() for r in response.raw_output_contents],
        "parameters": {k: param_value(v) for k, v in response.parameters.items()},
        "metadata": {k: v for k, v in (initial or [])},
    }


def strings(buf):
    values, at = [], 0
    while at < len(buf):
        (size,) = struct.unpack_from("<I", buf, at)
        values.append(buf[at + 4 : at + 4 + size])
        at += 4 + size
    return values


with grpc.insecure_channel(args["grpc"]) as channel:
    stub = pb_grpc.GRPCInferenceServiceStub(channel)
    g = report["grpc"]
    g["live"] = stub.ServerLive(pb.ServerLiveRequest(), metadata=auth).live
    g["ready"] = stub.ServerReady(pb.ServerReadyRequest(), metadata=auth).ready
    g["model_ready"] = stub.ModelReady(pb.ModelReadyRequest(name=model, version=version), metadata=auth).ready
    meta = stub.ServerMetadata(pb.ServerMetadataRequest(), metadata=auth)
    g["server_metadata"] = {"name": meta.name, "version": meta.version, "extensions": list(meta.extensions)}
    mm = stub.ModelMetadata(pb.ModelMetadataRequest(name=model), metadata=auth)
    g["model_metadata"] = {
        "name": mm.name,
        "versions": list(mm.versions),
        "inputs": [{"name": t.name, "datatype": t.datatype, "shape": list(t.shape)} for t in mm.inputs],
    }

    def request(typed):
        req = pb.ModelInferRequest(model_name=model, model_version=version, id="std-1")
        for key in ("f", "i", "s"):
            tensor = req.inputs.add(name=key, datatype=datatypes[key], shape=[n])
            if typed:
                if key == "f":
                    tensor.contents.fp32_contents.extend(struct.unpack(f"<{n}f", raw["f"]))
                elif key == "i":
                    tensor.contents.int64_contents.extend(struct.unpack(f"<{n}q", raw["i"]))
                else:
                    tensor.contents.bytes_contents.extend(strings(raw["s"]))
        if not typed:
            req.raw_input_contents.extend([raw["f"], raw["i"], raw["s"]])
        return req

    response, call = stub.ModelInfer.with_call(request(False), metadata=auth + [("x-request-id", "grpc-std-1")])
    g["infer_raw"] = infer_summary(response, call.initial_metadata())
    response, call = stub.ModelInfer.with_call(request(True), metadata=auth)
    g["infer_typed"] = infer_summary(response, call.initial_metadata())

    g["unknown_model"] = grpc_error(lambda: stub.ModelInfer(pb.ModelInferRequest(model_name="nope"), metadata=auth))
    bad = request(False)
    bad.inputs[1].shape[0] = n + 1
    g["bad_shape"] = grpc_error(lambda: stub.ModelInfer(bad, metadata=auth))
    wrong_version = request(False)
    wrong_version.model_version = "9"
    g["wrong_version"] = grpc_error(lambda: stub.ModelInfer(wrong_version, metadata=auth))
    g["no_key"] = grpc_error(lambda: stub.ModelInfer(request(False)))

# REST, as Triton's Python HTTP client sends it: a JSON header and binary tail, no Content-Type.
r = report["rest"]
url = urllib.parse.urlsplit(args["rest"])
header = json.dumps(
    {
        "inputs": [{"name": k, "datatype": datatypes[k], "shape": [n], "parameters": {"binary_data_size": len(raw[k])}} for k in ("f", "i", "s")],
        "parameters": {"binary_data_output": True},
    }
).encode()
path = f"/v2/models/{model}/versions/{version}/infer"
headers = {"Inference-Header-Content-Length": str(len(header))}
if args.get("token"):
    headers["Authorization"] = f"Bearer {args['token']}"


def read(status, response_headers, body):
    length = response_headers.get("inference-header-content-length")
    if length is None:
        return {"status": status, "header": json.loads(body) if body else None, "binary": ""}
    cut = int(length)
    return {"status": status, "header": json.loads(body[:cut]), "binary": body[cut:].hex()}


conn = http.client.HTTPConnection(url.hostname, url.port)
conn.request("POST", path, body=header + raw["f"] + raw["i"] + raw["s"], headers=headers)
res = conn.getresponse()
r["no_content_type"] = read(res.status, {k.lower(): v for k, v in res.getheaders()}, res.read())
# urllib sends application/x-www-form-urlencoded with a body, as curl does.
req = urllib.request.Request(args["rest"] + path, data=header + raw["f"] + raw["i"] + raw["s"], headers=headers, method="POST")
with urllib.request.urlopen(req) as res:
    r["form_type"] = read(res.status, {k.lower(): v for k, v in res.getheaders()}, res.read())


# REST with tensor data in JSON, as Python's json (and Triton's client with binary_data=False) writes it:
# NaN, Infinity and -Infinity as bare tokens, INT64 past 2^53 as exact integers, -0.0 with its sign.
# Outputs are asked for in JSON; each comes back repacked to bytes (from JSON data or a binary tail).
def json_infer(fvals):
    body = json.dumps(
        {
            "inputs": [
                {"name": "f", "datatype": "FP32", "shape": [n], "data": fvals},
                {"name": "i", "datatype": "INT64", "shape": [n], "data": list(struct.unpack(f"<{n}q", raw["i"]))},
                {"name": "s", "datatype": "BYTES", "shape": [n], "data": [v.decode() for v in strings(raw["s"])]},
            ],
            "outputs": [{"name": f"{k}_out", "parameters": {"binary_data": False}} for k in ("f", "i", "s")],
        }
    ).encode()
    conn.request("POST", path, body=body, headers={k: v for k, v in headers.items() if k == "Authorization"})
    res = conn.getresponse()
    got = read(res.status, {k.lower(): v for k, v in res.getheaders()}, res.read())
    if res.status != 200:
        return {"status": res.status, "header": got["header"]}
    tail, at, packed, as_json = bytes.fromhex(got["binary"]), 0, [], []
    for o in got["header"]["outputs"]:
        size = (o.get("parameters") or {}).get("binary_data_size")
        as_json.append(size is None)
        if size is not None:
            packed.append(tail[at : at + size].hex())
            at += size
        elif o["datatype"] == "FP32":
            packed.append(struct.pack(f"<{len(o['data'])}f", *o["data"]).hex())
        elif o["datatype"] == "INT64":
            packed.append(struct.pack(f"<{len(o['data'])}q", *o["data"]).hex())
        else:
            packed.append(b"".join(struct.pack("<I", len(b)) + b for b in (x.encode() for x in o["data"])).hex())
    return {"status": res.status, "raw": packed, "json": as_json}


conn = http.client.HTTPConnection(url.hostname, url.port)
fvals = list(struct.unpack(f"<{n}f", raw["f"]))
r["json_data"] = json_infer(fvals)
r["json_data_finite"] = json_infer([v if v == v and abs(v) != float("inf") else 1.0 for v in fvals])
for name, p in (("live", "/v2/health/live"), ("ready", "/v2/health/ready"), ("server", "/v2/")):
    conn.request("GET", p, headers={k: v for k, v in headers.items() if k == "Authorization"})
    res = conn.getresponse()
    r[name] = {"status": res.status, "body": res.read().decode()}
conn.close()

print(json.dumps(report))
