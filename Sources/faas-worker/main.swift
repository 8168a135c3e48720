import FaaSSystem
import FaaSWorker

DaemonEntry.main(program: "faas-worker", parse: WorkerOptions.init, run: runWorker)
