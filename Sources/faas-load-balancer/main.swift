import FaaSSystem
import FaaSLoadBalancer

DaemonEntry.main(program: "faas-load-balancer", parse: LoadBalancerOptions.init, run: runLoadBalancer)
