import FaaSSystem
import FaaSWorker

DaemonEntry.main(program: "faas-worker", known: WorkerOptions.known, parse: WorkerOptions.init, run: runWorker)
