import os
import lit.formats

config.name = "txc"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.txc_bin_dir, "..", "tests", "lit")
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py"]
config.environment["PATH"] = os.pathsep.join(
    [config.txc_bin_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
config.substitutions.append(("%models", os.path.join(config.txc_src_dir, "tests", "e2e", "models")))
config.substitutions.append(("%nodetests", os.path.join(config.txc_src_dir, "..", "shared", "testdata", "onnx-node")))
