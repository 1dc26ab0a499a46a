"""Waiting for every worker of a multi-worker cluster before TensorFlow does.

TensorFlow waits for the other workers inside native code that holds Python's lock: no Ctrl-C,
no SIGTERM (it takes that signal for itself) and no time limit reach it. So each worker first
waits here, in Python: it answers on its own address and greets every other worker's, until it
has greeted them all and been greeted by them all. Only then does TensorFlow take the port, and
its own wait is short. A port that answers without the greeting is named as not a worker.
"""

import signal
import socket
import threading
import time

from tempera.errors import TemperaError

from .stopped import StoppedWaiting

GREETING = "tempera-worker"
ATTEMPT_SECONDS = 1.0  # a connection or an answer that takes longer is tried again
ROUND_SECONDS = 0.25  # between rounds of greetings


def task_name(job: str, index: int) -> str:
    return f"{job} {index}"


def cluster_tasks(config: dict) -> dict:
    """Every task of TF_CONFIG's cluster: its name ('worker 1') and its address."""
    return {task_name(job, i): address for job, members in config["cluster"].items()
            for i, address in enumerate(members)}


def split_address(address: str) -> tuple:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


class Listener:
    """This worker's side: answer each greeting on its own port, and note who greeted."""

    def __init__(self, port: int, own: str):
        self.own, self.greeted_by = own, set()
        try:
            self.socket = socket.create_server(("", port), family=socket.AF_INET6, dualstack_ipv6=True) \
                if socket.has_dualstack_ipv6() else socket.create_server(("", port))
        except OSError as error:
            raise TemperaError(f"this worker cannot listen on port {port}, its address in TF_CONFIG: "
                               f"{error.strerror} (is the port free?)") from None
        self.socket.settimeout(ROUND_SECONDS)
        self.thread = threading.Thread(target=self.serve, name="rendezvous", daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:  # closed: the wait is over
                return
            with connection:
                connection.settimeout(ATTEMPT_SECONDS)
                try:
                    line = connection.makefile("r", encoding="utf-8", errors="replace").readline()
                    if line.startswith(GREETING + " "):
                        connection.sendall(f"{GREETING} {self.own}\n".encode())
                        self.greeted_by.add(line[len(GREETING) + 1:].strip())
                        connection.recv(1)  # the greeter closes first: no TIME_WAIT on our port
                except OSError:
                    pass

    def close(self) -> None:
        self.socket.close()
        self.thread.join()


def greet(address: str, own: str) -> str:
    """'' once `address` answered as a tempera worker; else what happened, in words."""
    try:
        connection = socket.create_connection(split_address(address), timeout=ATTEMPT_SECONDS)
    except OSError:
        return "not started"
    with connection:
        try:
            connection.sendall(f"{GREETING} {own}\n".encode())
            answer = connection.makefile("r", encoding="utf-8", errors="replace").readline()
        except OSError:
            answer = ""
    return "" if answer.startswith(GREETING + " ") else "answers, but is not a tempera worker"


def wait_for_workers(config: dict, timeout_minutes: float) -> None:
    tasks = cluster_tasks(config)
    own = task_name(config["task"]["type"], config["task"]["index"])
    others = {name: address for name, address in tasks.items() if name != own}
    limit = f"{timeout_minutes:g} min"
    print(f"joining the cluster as {own} of {len(tasks)} tasks: waiting up to {limit} "
          "(--join-timeout) until every worker has started", flush=True)
    listener = Listener(split_address(tasks[own])[1], own)
    greeted, missing = set(), {}

    def state_of(name: str) -> str:
        if name not in greeted:
            return missing.get(name) or "not started"
        return "answers, but has not reached this worker: can it connect to this one's address?"

    def waiting_for() -> str:
        return ", ".join(f"{name} at {others[name]} ({state_of(name)})" for name in sorted(others)
                         if name not in greeted or name not in listener.greeted_by)

    def on_signal(signum, frame):
        name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        raise StoppedWaiting(f"tempera train: stopped by {name} while waiting for "
                             f"{waiting_for()}; nothing was trained", 128 + signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    deadline = time.monotonic() + timeout_minutes * 60
    try:
        while not (greeted >= set(others) and listener.greeted_by >= set(others)):
            for name in sorted(set(others) - greeted):
                missing[name] = greet(others[name], own)
                if not missing[name]:
                    greeted.add(name)
            if time.monotonic() > deadline:
                raise StoppedWaiting(
                    f"tempera train: error: the cluster did not form within {limit}: still waiting "
                    f"for {waiting_for()}; start the same command on each (its own task in "
                    "TF_CONFIG), or allow longer with --join-timeout MINUTES", 2)
            time.sleep(ROUND_SECONDS)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        listener.close()
