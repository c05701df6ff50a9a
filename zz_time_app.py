import runpy, time, os
t0 = time.time()
try:
    runpy.run_path(os.path.join(os.path.dirname(__file__), "app.py"), run_name="__main__")
finally:
    with open("/work/scratch/runs.txt", "a") as f:
        f.write(f"run {t0:.3f} -> {time.time():.3f} = {time.time()-t0:.3f}\n")
