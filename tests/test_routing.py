"""GPU routing, tested on the CPU: an item that asks for a GPU goes to the `grading-gpu` queue while
a GPU worker is online, and to the CPU workers when none is."""

import pytest

from exercises.models import Item
from grader.launch import routing
from tests.conftest import item_dir, start_worker, stop_worker, wait_for_grade
from tests.test_pipeline import submit

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gpu_item(course):
    item = Item.objects.get(slug="build-network")
    version = item.current_version
    version.config = {**version.config, "gpu": True}
    version.save(update_fields=["config"])
    assert version.queue == routing.GPU_QUEUE
    return item


def test_without_a_gpu_worker_a_gpu_item_is_graded_on_the_cpu(gpu_item, student_api):
    assert routing.consumers(queue=routing.GPU_QUEUE) == []
    assert routing.choose_queue(requested=routing.GPU_QUEUE) == routing.CPU_QUEUE
    pk = submit(student_api, "build-network", code=(item_dir("build-network") / "solution.py").read_text())
    submission = wait_for_grade(pk)
    assert submission.status == "graded" and submission.score == submission.max_score
    assert submission.worker.startswith("test@")


def test_with_a_gpu_worker_online_a_gpu_item_goes_to_it_and_back_to_cpu_when_it_leaves(
    gpu_item, student_api, broker_url
):
    gpu = start_worker(broker_url=broker_url, queues=routing.GPU_QUEUE, hostname="gpu@%h", log_name="test-gpu-worker")
    try:
        assert any(h.startswith("gpu@") for h in routing.consumers(queue=routing.GPU_QUEUE))
        # The CPU worker does not announce the GPU queue: only the GPU worker could take this one.
        assert not any(h.startswith("test@") for h in routing.consumers(queue=routing.GPU_QUEUE))
        pk = submit(student_api, "build-network", code=(item_dir("build-network") / "solution.py").read_text())
        submission = wait_for_grade(pk)
        assert submission.status == "graded" and submission.worker.startswith("gpu@")
        # A CPU item is not sent to the GPU worker.
        pk = submit(student_api, "count-parameters", code=(item_dir("count-parameters") / "solution.py").read_text())
        assert wait_for_grade(pk).worker.startswith("test@")
    finally:
        stop_worker(gpu)
    # A worker that shuts down withdraws at once; one that dies goes stale after STALE_SECONDS.
    assert routing.consumers(queue=routing.GPU_QUEUE) == []
    pk = submit(student_api, "build-network", code=(item_dir("build-network") / "solution.py").read_text())
    assert wait_for_grade(pk).worker.startswith("test@")


def test_a_dead_gpu_workers_announcement_goes_stale():
    client = routing._client()
    routing.announce(hostname="ghost@nowhere", queues=[routing.GPU_QUEUE], client=client)
    assert "ghost@nowhere" in routing.consumers(queue=routing.GPU_QUEUE, client=client)
    key = routing.KEY.format(queue=routing.GPU_QUEUE)
    client.zadd(key, {"ghost@nowhere": 1.0})  # its last beat, long ago
    assert "ghost@nowhere" not in routing.consumers(queue=routing.GPU_QUEUE, client=client)
    assert routing.choose_queue(requested=routing.GPU_QUEUE) == routing.CPU_QUEUE
    client.zrem(key, "ghost@nowhere")
