import FaaSSystem
import FaaSServer

DaemonEntry.main(program: "faas-server", parse: ServerOptions.init, run: runServer)
