# tests/netns/nginx.sh: an nginx for the namespace tests, demo and bench.
# Source it after lib.sh. nginx does not daemonize here (daemon off;) and
# runs through bg_ns, so it dies with the test.

# nginx_start NS PORT ROOT: serves ROOT (made world-readable) on PORT, IPv4
# and IPv6, in namespace NS; returns once it listens. /redirect answers 302
# to /hello.txt.
nginx_start() {
	local ns=$1 port=$2 root=$3 dir=$TMP/nginx.$2
	mkdir -p "$dir"
	chmod 755 "$TMP" "$root"
	chmod -R a+r "$root"
	cat >"$dir/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $dir/pid;
error_log $dir/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $dir/body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	types { text/plain txt; text/html html; }
	default_type application/octet-stream;
	sendfile on;
	server {
		listen $port;
		listen [::]:$port;
		root $root;
		location = /redirect { return 302 /hello.txt; }
	}
}
CONF
	BG_OUT=$dir/out BG_TIMEOUT=${BG_TIMEOUT:-300} bg_ns "$ns" nginx -c "$dir/nginx.conf"
	wait_port "$ns" "$port"
}
