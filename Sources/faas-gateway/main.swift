import FaaSSystem
import FaaSGateway

DaemonEntry.main(program: "faas-gateway", known: GatewayOptions.known, parse: GatewayOptions.init, run: { try runGateway($0) })
