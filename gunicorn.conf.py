"""Production web server settings (`make serve`, or `gunicorn -c gunicorn.conf.py messenger_project.wsgi`).

Every value can be overridden from the environment. Threads suit this workload: most requests are short polls
that wait on the database, so a few threads per worker keep connections busy without more processes.
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# The most connections one worker holds (gunicorn's default: 1000). Workers accept from one shared socket with no
# regard to how busy they are (gunicorn issues #1364, #3433): persistent connections that arrive together, from a
# reverse proxy's pool, can all land on one worker, which then serves them on one core. Behind a proxy keeping N
# upstream connections, N / workers splits them evenly (bench/run.py does so for its 32).
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that no slow leak grows without bound; rarely: a worker serves 2,000 requests a
# second at full load, and each restart drops its connections and delays requests (at 20,000 the benchmark's
# workers restarted every 10 s, which put its p99 at 250 ms instead of 50 ms). 0 turns recycling off.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000000"))
max_requests_jitter = max_requests // 10  # the workers' restarts spread out
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = (
    '{"time":"%(t)s","remote":"%(h)s","method":"%(m)s","path":"%(U)s","status":%(s)s,'
    '"bytes":%(B)s,"duration_ms":%(M)s,"request_id":"%({x-request-id}o)s"}'
)
errorlog = "-"

# Gunicorn's own messages as JSON lines too, like the application's (LOG_FORMAT=plain for readable lines).
_formatter = (
    {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    }
    if os.environ.get("LOG_FORMAT", "json") == "json"
    else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"default": _formatter, "access": {"format": "%(message)s"}},
    "handlers": {
        "error": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
    },
    "root": {"level": "INFO", "handlers": ["error"]},
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
        # With logconfig_dict gunicorn logs access lines even when `accesslog` is off: silence them then.
        "gunicorn.access": {"handlers": ["access"] if accesslog else [], "level": "INFO", "propagate": False},
    },
}
