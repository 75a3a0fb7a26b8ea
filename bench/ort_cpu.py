# onnxruntime (CPU) on the same ONNX file edgecl compiled: latency, and the output edgecl wrote.
import sys, time, numpy as np, onnxruntime as ort
model, inp, ours = sys.argv[1], sys.argv[2], sys.argv[3]
x = np.load(inp)
s = ort.InferenceSession(model, providers=['CPUExecutionProvider'])
y = s.run(None, {'input': x})[0]
e = np.load(ours)
print(f"onnxruntime {ort.__version__} CPU: max relative difference to edgecl's output {np.abs(y - e).max() / np.abs(y).max():.2e}")
for threads in (0, 1):
    o = ort.SessionOptions(); o.intra_op_num_threads = threads
    s = ort.InferenceSession(model, o, providers=['CPUExecutionProvider'])
    for _ in range(5): s.run(None, {'input': x})
    t = []
    for _ in range(50):
        t0 = time.perf_counter(); s.run(None, {'input': x}); t.append((time.perf_counter() - t0) * 1e3)
    print(f"onnxruntime CPU ({'default' if threads == 0 else threads} threads): median {np.median(t):.2f} ms")
