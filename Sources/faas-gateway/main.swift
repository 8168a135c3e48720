import FaaSSystem
import FaaSGateway

DaemonEntry.main(program: "faas-gateway", parse: GatewayOptions.init, run: { try runGateway($0) })
