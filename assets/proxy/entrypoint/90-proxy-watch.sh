#!/bin/sh
# Run by the nginx image's entrypoint before NGINX starts: prepares the proxy's state and
# starts its watcher beside NGINX (see /usr/local/bin/proxy-watch).
set -eu
proxy-watch init /etc/nginx/proxy-watch.env
proxy-watch run /etc/nginx/proxy-watch.env &
