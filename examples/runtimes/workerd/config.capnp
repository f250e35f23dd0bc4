# workerd recipes for the PROXY protocol, both directions, on loopback:
#   npm run build
#   PROXYPROTO_UPSTREAM=127.0.0.1:9000 workerd serve examples/runtimes/workerd/config.capnp
# - `tcp` (127.0.0.1:8081): inbound.mjs reads the PROXY header of each connection (connect handler).
# - `http` (127.0.0.1:8080): outbound.mjs sends a PROXY header to UPSTREAM for each request.
# Module names are repository paths, so the examples import ../../../dist/index.js as they would
# from a checkout. A 2025 compatibility date and no nodejs_compat flag: web platform APIs only.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "inbound", worker = .inbound),
    (name = "outbound", worker = .outbound),
    # Outbound connections may reach loopback only (the default network allows public addresses).
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [
    (name = "tcp", address = "127.0.0.1:8081", tcp = (), service = "inbound"),
    (name = "http", address = "127.0.0.1:8080", http = (), service = "outbound"),
  ],
);

const inbound :Workerd.Worker = (
  modules = [
    (name = "examples/runtimes/workerd/inbound.mjs", esModule = embed "inbound.mjs"),
    (name = "dist/index.js", esModule = embed "../../../dist/index.js"),
  ],
  compatibilityDate = "2025-09-01",
);

const outbound :Workerd.Worker = (
  modules = [
    (name = "examples/runtimes/workerd/outbound.mjs", esModule = embed "outbound.mjs"),
    (name = "dist/index.js", esModule = embed "../../../dist/index.js"),
  ],
  bindings = [(name = "UPSTREAM", fromEnvironment = "PROXYPROTO_UPSTREAM")],
  globalOutbound = "loopback",
  compatibilityDate = "2025-09-01",
);
