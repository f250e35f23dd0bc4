# The shared suite in workerd: `workerd test test/runtimes/workerd.capnp` runs the test() handler of
# test/runtimes/workerd-main.mjs. Module names are the repository paths, so relative imports resolve.
# A 2025 compatibility date and no nodejs_compat flag: the core runs on web platform APIs alone.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "suite", worker = .suite) ],
);

const suite :Workerd.Worker = (
  modules = [
    (name = "test/runtimes/workerd-main.mjs", esModule = embed "workerd-main.mjs"),
    (name = "test/runtimes/suite.mjs", esModule = embed "suite.mjs"),
    (name = "dist/index.js", esModule = embed "../../dist/index.js"),
    (name = "test/fixtures/vectors.json", json = embed "../fixtures/vectors.json"),
  ],
  compatibilityDate = "2025-09-01",
);
