"""Log lines written in batches, warnings at once, nothing lost at close."""

from __future__ import annotations

import io
import logging
import logging.config

from leadform.web.log_format import log_config
from leadform.web.log_stream import BatchingStreamHandler, flush_logs


def logger_with(handler: logging.Handler, name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_info_lines_wait_for_the_batch_and_all_arrive_on_flush() -> None:
    stream = io.StringIO()
    handler = BatchingStreamHandler(stream, interval=3600)
    logger = logger_with(handler, "test.batch")
    for n in range(3):
        logger.info("line %d", n)
    assert stream.getvalue() == ""
    handler.flush()
    assert stream.getvalue() == "line 0\nline 1\nline 2\n"
    handler.close()


def test_a_warning_is_written_at_once_with_the_lines_before_it() -> None:
    stream = io.StringIO()
    handler = BatchingStreamHandler(stream, interval=3600)
    logger = logger_with(handler, "test.warning")
    logger.info("before")
    logger.warning("trouble")
    assert stream.getvalue() == "before\ntrouble\n"
    handler.close()


def test_a_full_batch_is_written_and_close_writes_the_rest() -> None:
    stream = io.StringIO()
    handler = BatchingStreamHandler(stream, interval=3600, capacity=2)
    logger = logger_with(handler, "test.capacity")
    for n in range(3):
        logger.info("%d", n)
    assert stream.getvalue() == "0\n1\n"
    handler.close()
    assert stream.getvalue() == "0\n1\n2\n"


def test_serve_logs_leadform_through_the_batching_handler() -> None:
    config = log_config()
    config["handlers"]["leadform"]["stream"] = io.StringIO()
    logging.config.dictConfig(config)
    try:
        [handler] = logging.getLogger("leadform").handlers
        assert isinstance(handler, BatchingStreamHandler)
    finally:
        handler.close()
        logging.getLogger("leadform").handlers.clear()
        logging.getLogger("leadform").propagate = True


def test_flush_logs_writes_what_the_logger_and_its_parents_hold() -> None:
    stream = io.StringIO()
    handler = BatchingStreamHandler(stream, interval=3600)
    parent = logger_with(handler, "test.flushparent")
    child = logging.getLogger("test.flushparent.child")
    child.info("last words")
    assert stream.getvalue() == ""
    flush_logs(child)
    assert stream.getvalue() == "last words\n"
    handler.close()
    assert parent.handlers == [handler]
