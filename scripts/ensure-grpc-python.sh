#!/usr/bin/env bash
# The standard-client tests call the worker and the broker over OIP gRPC from Python's grpcio (Debian's
# python3-grpcio), with stubs generated from the official proto by grpc_tools (python3-grpc-tools): a
# client the project does not write. They fail, not skip, without them. Install them when missing and
# we may; otherwise say exactly what to do.
set -euo pipefail
if /usr/bin/python3 -c 'import grpc, grpc_tools.protoc' 2>/dev/null; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's python3-grpcio and python3-grpc-tools for the standard-client tests..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-grpcio python3-grpc-tools >/dev/null
  exit 0
fi
echo "Python grpcio is missing: install Debian's packages (sudo apt-get install -y python3-grpcio python3-grpc-tools), then run the tests again." >&2
exit 1
