#!/usr/bin/env bash
# Serves the monitor benchmark's pages with Debian's nginx on 127.0.0.1, from a private config.
#
# Usage: benches/monitor/serve.sh PORT [DIR]   start (DIR defaults to 500 fresh pages from gen_pages.py)
#        benches/monitor/serve.sh stop PORT    stop it and remove its config and logs
#
# nginx runs as a daemon and this script returns once the port answers. Everything nginx writes
# (pid, error log, temp directories, generated pages) lives in ${TMPDIR:-/tmp}/monitor-nginx-PORT,
# so it needs no root paths and leaves /etc/nginx alone; the state directory is named after the
# port so that `stop PORT` finds it again.
set -euo pipefail

nginx=/usr/sbin/nginx

usage() {
    sed -n '4,5p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

state_dir() { echo "${TMPDIR:-/tmp}/monitor-nginx-$1"; }

stop() {
    local state pid
    state=$(state_dir "$1")
    if [[ -s "$state/nginx.pid" ]]; then
        pid=$(cat "$state/nginx.pid")
        # TERM is nginx's fast shutdown; the benchmark has no requests worth draining.
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        echo "nginx on port $1 stopped (pid $pid)" >&2
    fi
    rm -rf "$state"
}

[[ $# -ge 1 ]] || usage
if [[ $1 == stop ]]; then
    [[ $# -eq 2 ]] || usage
    stop "$2"
    exit 0
fi

port=$1
[[ $port =~ ^[0-9]+$ ]] || usage
[[ -x $nginx ]] || { echo "no $nginx: apt-get install -y nginx" >&2; exit 1; }
state=$(state_dir "$port")
if [[ -s "$state/nginx.pid" ]] && kill -0 "$(cat "$state/nginx.pid")" 2>/dev/null; then
    echo "nginx already serves port $port (pid $(cat "$state/nginx.pid")); stop it with: $0 stop $port" >&2
    exit 1
fi
rm -rf "$state"
mkdir -p "$state"

if [[ $# -ge 2 ]]; then
    root=$(cd "$2" && pwd)
else
    root=$state/pages
    python3 "$(dirname "$0")/gen_pages.py" "$root" 500 --origin "http://127.0.0.1:$port"
fi

# As root, nginx would hand the workers to `nobody`, who may not read a private temp directory:
# run them as whoever owns the pages instead. Other users cannot switch, and nginx warns if told to.
user_line=
if [[ $EUID -eq 0 ]]; then
    user_line="user $(stat -c %U "$root") $(stat -c %G "$root");"
fi

cat > "$state/nginx.conf" <<EOF
$user_line
worker_processes 2;
daemon on;
pid $state/nginx.pid;
error_log $state/error.log warn;

events {
    worker_connections 4096;
}

http {
    # Only the types the pages use: no include of /etc/nginx/mime.types.
    types {
        text/html html;
        text/plain txt;
        application/xml xml;
    }
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path $state/client_body;
    proxy_temp_path $state/proxy;
    fastcgi_temp_path $state/fastcgi;
    uwsgi_temp_path $state/uwsgi;
    scgi_temp_path $state/scgi;
    sendfile on;
    tcp_nopush on;
    # One connection per client for the whole run, as a crawler's pool keeps them.
    keepalive_requests 100000;
    keepalive_timeout 75s;

    server {
        listen 127.0.0.1:$port;
        root $root;
        # Most French sites say it in the header as well as in <meta charset>.
        charset utf-8;
    }
}
EOF

# -e: the compiled-in error log (/var/log/nginx) is opened before the config is read.
"$nginx" -p "$state" -e "$state/error.log" -c "$state/nginx.conf"
for _ in $(seq 1 50); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/robots.txt"; then
        echo "nginx serves $root on http://127.0.0.1:$port (pid $(cat "$state/nginx.pid")); stop: $0 stop $port" >&2
        exit 0
    fi
    sleep 0.1
done
echo "nginx did not answer on port $port; $state/error.log says:" >&2
cat "$state/error.log" >&2 || true
exit 1
