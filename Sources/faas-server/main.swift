import FaaSSystem
import FaaSServer

DaemonEntry.main(program: "faas-server", known: ServerOptions.known, parse: ServerOptions.init, run: runServer)
