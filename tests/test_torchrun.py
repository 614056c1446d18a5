"""Training on two CPU processes with torchrun (gloo), on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import yaml


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_torchrun_two_processes_train_one_model_folder(tmp_path, mini_corpus):
    config = {"name": "ddp", "data": str(mini_corpus), "output_dir": str(tmp_path / "out"),
              "run_dir": str(tmp_path / "run"), "base_model": "tiny-random", "context": "previous",
              "max_seq_length": 32, "epochs": 2, "batch_size": 8, "learning_rate": 1e-3,
              "early_stopping_patience": 0, "threads": 1}
    path = tmp_path / "ddp.yaml"
    path.write_text(yaml.safe_dump(config))
    torchrun = Path(sys.executable).with_name("torchrun")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [str(torchrun), "--nnodes=1", "--nproc_per_node=2", "--master_addr=127.0.0.1",
         f"--master_port={_free_port()}", "-m", "argmine", "-q", "train", "--config", str(path)],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / "out"
    assert (out / "model.safetensors").exists() and (out / "metrics.json").exists()
    assert done.stdout.count('"output_dir"') == 1  # rank 0 alone reports
    history = json.loads((out / "train_history.json").read_text())
    # 12 training sentences, 8 per process and step: 1 step per epoch on 2 processes (2 alone)
    assert max(e.get("step", 0) for e in history) == 2
