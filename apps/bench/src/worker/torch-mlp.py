"""PyTorch on CUDA running the `large` MLP's shape (1024 -> 4096 x5 -> 64, Linear+ReLU), the reference
the GPU bench compares onnxruntime's WebGPU provider with on the same GPU. Weights are random (speed
does not depend on their values). Per precision and batch it times:
  - host: numpy input in, numpy output out, synchronous, as a server runs it (copy in, compute, copy out);
  - device: the forward pass alone between CUDA events, input already on the GPU.
Prints one JSON object on stdout."""
import argparse
import json
import statistics
import time

import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="1,2,4,8,16,32,64,128,256")
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--widths", default="1024,4096,4096,4096,4096,4096,64")
    args = ap.parse_args()
    widths = [int(w) for w in args.widths.split(",")]
    batches = [int(b) for b in args.batches.split(",")]
    dev = torch.device("cuda")
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(dev).eval()
    flops_per_row = sum(2 * widths[i] * widths[i + 1] for i in range(len(widths) - 1))
    rng = np.random.default_rng(1)
    out = {
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "gpu": torch.cuda.get_device_name(0),
        "flopsPerRow": flops_per_row,
        "iterations": args.iterations,
        "rows": [],
    }
    for precision in ("fp32", "tf32"):
        torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
        torch.backends.cudnn.allow_tf32 = precision == "tf32"
        for batch in batches:
            x_host = rng.uniform(-1, 1, size=(batch, widths[0])).astype(np.float32)
            x_dev = torch.from_numpy(x_host).to(dev)
            with torch.inference_mode():
                for _ in range(10):
                    model(x_dev)
                torch.cuda.synchronize()
                host = []
                for _ in range(args.iterations):
                    t0 = time.perf_counter()
                    y = model(torch.from_numpy(x_host).to(dev)).cpu().numpy()
                    host.append((time.perf_counter() - t0) * 1000)
                device = []
                for _ in range(args.iterations):
                    start = torch.cuda.Event(enable_timing=True)
                    end = torch.cuda.Event(enable_timing=True)
                    start.record()
                    model(x_dev)
                    end.record()
                    end.synchronize()
                    device.append(start.elapsed_time(end))
            assert y.shape == (batch, widths[-1]) and np.isfinite(y).all()
            h = statistics.median(host)
            d = statistics.median(device)
            out["rows"].append({
                "precision": precision,
                "batch": batch,
                "hostP50Ms": round(h, 4),
                "deviceP50Ms": round(d, 4),
                "rowsPerS": round(batch * 1000 / h, 1),
                "tflops": round(batch * flops_per_row / (d * 1e-3) / 1e12, 2),
            })
    print(json.dumps(out))


if __name__ == "__main__":
    main()
