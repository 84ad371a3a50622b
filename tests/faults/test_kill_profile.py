"""A profile save SIGKILLed at random points leaves the old or the new profile, never a damaged one."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from movierec.store.profiles import ProfileStore

CHILD = """
import sys
from movierec.store.profiles import ProfileStore
store = ProfileStore()
start = int(sys.argv[1])
print("ready", flush=True)
for movie in range(start, start + 100000):
    store.rate("victim", movie, 4.0, "x" * 200)
"""


@pytest.mark.slow
def test_profile_survives_sigkill_at_random_offsets(home):
    rng = random.Random(0)
    env = {**os.environ, "MOVIEREC_HOME": str(home)}
    seen = 0
    for round_no in range(15):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(round_no * 100000)], env=env,
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.01, 0.25))  # a random kill offset, not a wait for something to happen
        child.send_signal(signal.SIGKILL)
        child.wait()
        profile = ProfileStore().load("victim")  # raises ProfileError if the file were damaged
        assert len(profile.ratings) >= seen  # every completed save is still there
        seen = len(profile.ratings)
    folder = home / "data" / "profiles"
    assert not [p for p in folder.iterdir() if ".damaged-" in p.name]
    assert seen > 0
