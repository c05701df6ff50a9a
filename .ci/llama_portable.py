"""Exit 0 if the installed llama-cpp-python was built portably (no AVX-512, no AMX), 1 if not or absent.

A `-march=native` build on a host whose CPU reports AVX-512 and AMX dies with a general protection fault in
libggml-cpu on its first completion. ggml reports the instruction sets it was compiled for.
"""

import sys

try:
    import llama_cpp
except ImportError:
    sys.exit(1)

features = llama_cpp.llama_print_system_info().decode()
print(f"llama.cpp {llama_cpp.__version__}: {features.strip()}")
sys.exit(1 if "AVX512" in features or "AMX" in features else 0)
