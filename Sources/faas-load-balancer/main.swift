import FaaSSystem
import FaaSLoadBalancer

DaemonEntry.main(program: "faas-load-balancer", known: LoadBalancerOptions.known, parse: LoadBalancerOptions.init, run: runLoadBalancer)
