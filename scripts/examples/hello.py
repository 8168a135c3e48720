# Payload on stdin, output on stdout. Deploy: scripts/deploy.sh hello python scripts/examples/hello.py
import sys; print("Hello, " + sys.stdin.read())
