"""Where training runs: one device, several local devices, or several machines (tf.distribute).

- one:          TensorFlow's default strategy (one device).
- mirrored:     tf.distribute.MirroredStrategy over this machine's GPUs (or, with
                TEMPERA_CPU_DEVICES=N, N logical CPU devices, to try it without GPUs).
- multi-worker: tf.distribute.MultiWorkerMirroredStrategy, one `tempera train` per worker with
                the same command, configured by the standard TF_CONFIG environment variable.

The recipe's batch is global: each step's batch is split among the replicas, so a run learns
from the same batches whatever the cluster (and its learning rate means the same thing).
"""

import os
import re
import shutil
import sys
import tempfile

import tensorflow as tf

from tempera.errors import TemperaError

from .options import is_chief, read_tf_config

CPU_DEVICES_VARIABLE = "TEMPERA_CPU_DEVICES"
RESTARTS_VARIABLE = "TEMPERA_WORKER_RESTARTS"  # how often this worker has restarted itself
MAX_RESTARTS = 20
AGREED_VALUES = 4  # what workers agree on is 0 to 3 (training's stop reasons)


def _logical_cpus(count: int) -> list:
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    return [device.name for device in tf.config.list_logical_devices("CPU")]


class Cluster:
    """The strategy, this process's place in it, and what every worker must agree on."""

    def __init__(self, name: str):
        self.name = name
        self.workers, self.is_chief, self.task = 1, True, "this machine"
        if name == "multi-worker":
            config = read_tf_config()
            task = config["task"]
            try:
                self.strategy = tf.distribute.MultiWorkerMirroredStrategy()
            except tf.errors.OpError as error:  # a port in use, an address that does not resolve
                first = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
                address = config["cluster"][task["type"]][task["index"]]
                raise TemperaError(f"this worker cannot join the cluster of TF_CONFIG: "
                                   f"{first or type(error).__name__} (is its address {address} "
                                   "this machine's, and the port free?)") from None
            resolver = self.strategy.cluster_resolver
            spec = resolver.cluster_spec()
            self.workers = sum(spec.num_tasks(job) for job in spec.jobs)
            self.is_chief = is_chief(config)
            self.task = f"{resolver.task_type} {resolver.task_id}"
        elif name == "mirrored":
            # Every GPU when there are some (TensorFlow's choice); else the logical CPUs asked
            # for, which must be set up before anything lists the logical devices.
            count = os.environ.get(CPU_DEVICES_VARIABLE)
            gpus = tf.config.list_physical_devices("GPU")
            devices = _logical_cpus(int(count)) if count and not gpus else None
            self.strategy = tf.distribute.MirroredStrategy(devices)
        else:
            self.strategy = tf.distribute.get_strategy()
        self.replicas = self.strategy.num_replicas_in_sync
        self._counts_function = tf.function(self._counts) if self.workers > 1 else None

    def scope(self):
        return self.strategy.scope()

    def describe(self, batch: int) -> str:
        """The line training prints at its start."""
        where = (f"{self.workers} workers (this is {self.task}{', the chief' if self.is_chief else ''})"
                 if self.workers > 1 else "1 process")
        share = f" ({batch / self.replicas:g} per replica)" if self.replicas > 1 else ""
        return (f"strategy {self.name}: {where}, {self.replicas} replica(s); "
                f"global batch {batch}{share}")

    def _counts(self, one_hot):
        per_replica = self.strategy.run(tf.identity, args=(one_hot,))
        return self.strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

    def agreed(self, value: int) -> int:
        """The largest of every worker's `value` (0 to 3). Every worker must call this at the
        same point: it is how they all stop (for Ctrl-C, the time budget, patience) at the same
        batch."""
        if self._counts_function is None:
            return int(value)
        counts = self._counts_function(tf.one_hot(int(value), AGREED_VALUES)).numpy()
        return max(v for v in range(AGREED_VALUES) if v == 0 or counts[v] > 0)

    def agree(self, flag: bool) -> bool:
        """True on every worker when it is true on any."""
        return self.agreed(int(bool(flag))) > 0

    def scratch_folder(self) -> str | None:
        """Where a worker other than the chief writes what TensorFlow makes every worker write
        (its checkpoints): a temporary folder of its own, removed at the end. None on the chief."""
        if self.is_chief:
            return None
        try:
            return tempfile.mkdtemp(prefix="tempera-worker-")
        except OSError as error:
            raise TemperaError(f"this worker cannot make its temporary folder in "
                               f"{tempfile.gettempdir()}: {error.strerror}") from None

    @staticmethod
    def remove_scratch(folder: str | None) -> None:
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


def cluster_lost(error: Exception) -> bool:
    """Did training fail because another worker went away (killed, preempted, crashed)?"""
    return isinstance(error, (tf.errors.UnavailableError, tf.errors.CancelledError,
                              tf.errors.DeadlineExceededError, tf.errors.AbortedError))


def lost_worker(message: str) -> str:
    """Which worker TensorFlow says went away, in words ('' when it does not say)."""
    found = re.search(r"/job:(\w+)/replica:\d+/task:(\d+)", message)
    if not found:
        return ""
    return f"{found.group(1)} {found.group(2)} stopped answering"


def restart_to_rejoin(error: Exception) -> None:
    """Replace this process with the same command: it waits for the lost worker to come back
    (started again with its own same command), and the cluster resumes from the last backup."""
    restarts = int(os.environ.get(RESTARTS_VARIABLE, "0")) + 1
    reason = lost_worker(str(error)) or f"another worker stopped answering: {type(error).__name__}"
    if restarts > MAX_RESTARTS:
        raise TemperaError(f"the cluster lost a worker again ({reason}); stopped after "
                           f"{MAX_RESTARTS} restarts: start every worker again with the same command")
    print(f"a worker left the cluster ({reason}); restarting to rejoin it from the last backup. "
          "Start the worker that stopped again with the same command (Ctrl-C here to give up).",
          flush=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os.environ[RESTARTS_VARIABLE] = str(restarts)
    os.execv(sys.executable, [sys.executable, "-m", "tempera", *sys.argv[1:]])
