"""The real-Asterisk tests are grouped by nodeid for pytest-xdist (tests/conftest.py)."""
from tests.conftest import lab_group


def test_the_session_lab_tests_are_one_group_and_the_pods_another() -> None:
    assert lab_group("tests/integration/test_queue.py::test_x") == "asterisk"
    assert lab_group("tests/integration/test_video_pbx.py::test_y[a@b]") == "asterisk"
    assert lab_group("tests/integration/test_two_pods.py::test_z") == "asterisk-pods"
    assert lab_group("tests/unit/test_integration_names.py::test_w") is None
    assert lab_group("tests/component/test_queue.py::test_x") is None
