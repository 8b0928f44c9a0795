"""``singan app`` in a real headless Chromium: upload, train, see samples.

Starts ``python -m singan app`` on a free loopback port with a tiny
schedule (``--test-schedule 40:30``, ``--max-jobs 1``), drives Debian's
``chromium`` through ``chromium-driver`` and selenium: Train without a
photo and with a refused one (each says why, starts nothing), then a
60x40 photo. The training is held (SIGSTOP) and run in bursts while the
page shows its percent and ETA move, is reloaded, and is opened in a second
tab (``?job=ID``) that gets the busy message for one more training; then
it finishes, its samples show, more are made, the screenshot is saved
(always to the test's tmp dir; also to ``docs/images/app.png`` with
``SINGAN_UPDATE_SCREENSHOT=1``) and the checkpoint is downloaded. Every
wait is bounded; the server and its training are killed at the end.

Needs ``.ci/install_browser.sh`` (chromium, chromium-driver) and
``requirements-test.txt`` (gradio, selenium): in CI (``CI=true``) a missing
piece fails the test, elsewhere it skips with the reason.
"""
import json
import os
import os.path as osp
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import cv2
import pytest

from app_deps import require

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCREENSHOT = osp.join(ROOT, 'docs', 'images', 'app.png')
INSTALL = 'sudo .ci/install_browser.sh'

require('gradio', 'pip install -r requirements-test.txt')
require('selenium', 'pip install -r requirements-test.txt')

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import \
    StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.slow


def _executable(*names: str) -> str:
    """The first of ``names`` on PATH; fail in CI, else skip, when none."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    message = f'none of {names} is installed; run {INSTALL}'
    if os.environ.get('CI', '').lower() in ('1', 'true', 'yes'):
        pytest.fail(f'CI must run the browser test: {message}', pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _wait_http(url: str, server: subprocess.Popen, log: str,
               timeout: float = 300) -> None:
    """Wait until ``url`` answers; fail with the server's log otherwise."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    with open(log) as f:
        raise AssertionError(f'singan app did not serve {url} within '
                             f'{timeout} s:\n{f.read()[-3000:]}')


@pytest.fixture
def app_server(tmp_path):
    """``singan app`` on a free port; yields ``(url, jobs_dir)``."""
    port, jobs = _free_port(), tmp_path / 'jobs'
    log = str(tmp_path / 'server.log')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [osp.join(ROOT, 'projects')] + [p for p in os.environ.get(
            'PYTHONPATH', '').split(os.pathsep) if p]),
        OMP_NUM_THREADS='1', GRADIO_ANALYTICS_ENABLED='False')
    with open(log, 'w') as out:
        server = subprocess.Popen(
            [sys.executable, '-m', 'singan', 'app', '--port', str(port),
             '--jobs-dir', str(jobs), '--max-jobs', '1',
             '--test-schedule', '40:30'], cwd=str(tmp_path), env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f'http://127.0.0.1:{port}/'
    try:
        _wait_http(url, server, log)
        yield url, jobs
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
        _kill_trainings(jobs)


def _kill_trainings(jobs) -> None:
    """Stop trainings the app started (their own sessions)."""
    import json
    for path in jobs.glob('*/job.json') if jobs.exists() else ():
        pid = json.loads(path.read_text()).get('pid')
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, TypeError):
            pass


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium through chromium-driver."""
    binary = _executable('chromium', 'chromium-browser', 'google-chrome')
    driver_path = _executable('chromedriver')
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ('--headless=new', '--no-sandbox', '--disable-gpu',
                 '--disable-dev-shm-usage', '--window-size=1280,1900',
                 '--hide-scrollbars'):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _photo(tmp_path) -> str:
    """A 60x40 copy of the bundled balloons.png."""
    image = cv2.imread(osp.join(ROOT, 'data', 'singan', 'balloons.png'))
    path = str(tmp_path / 'balloons_60x40.png')
    cv2.imwrite(path, cv2.resize(image, (60, 40),
                                 interpolation=cv2.INTER_AREA))
    return path


def _click(driver, css: str, timeout: float = 60) -> None:
    """Click ``css`` once it is on the page, in the middle of the view.

    Gradio may still be drawing (or redrawing) the page on a loaded
    machine: the element is waited for, and clicked by script so that a
    neighbour that is still moving cannot take the click.
    """
    def attempt(d) -> bool:
        found = d.find_elements(By.CSS_SELECTOR, css)
        if not found:
            return False
        try:
            d.execute_script('arguments[0].scrollIntoView({block: '
                             '"center"}); arguments[0].click();', found[0])
        except StaleElementReferenceException:
            return False
        return True
    WebDriverWait(driver, timeout, poll_frequency=0.5).until(attempt)


def _text(driver, css: str) -> str:
    found = driver.find_elements(By.CSS_SELECTOR, css)
    return found[0].text if found else ''


def _loaded_images(driver, css: str) -> int:
    """Images under ``css`` that have loaded pixels."""
    return driver.execute_script(
        'return [...document.querySelectorAll(arguments[0])]'
        '.filter(i => i.complete && i.naturalWidth > 0).length;',
        f'{css} img')


def _progress(driver) -> str:
    """The status line while training ('' before and after)."""
    status = _text(driver, '#status')
    return status if re.search(r'\d+%', status) and 'left' in status else ''


def _step_training(driver, pid: int, seen: list, wanted: int = 2) -> None:
    """Run the (stopped) training in short bursts until the page has shown
    ``wanted`` different progress lines with an ETA, or it is done.

    The training is stopped between bursts (SIGSTOP of its process group),
    so the page is looked at in the middle of training on a fast machine
    as on a loaded one; a burst that changed nothing is made longer.
    """
    burst, end = 0.25, time.monotonic() + 600
    while len(set(seen)) < wanted and time.monotonic() < end:
        os.killpg(pid, signal.SIGCONT)
        time.sleep(burst)
        os.killpg(pid, signal.SIGSTOP)
        before = len(set(seen))
        time.sleep(2.5)  # more than one poll of the page (2 s)
        if 'done' in _text(driver, '#status'):
            break
        if _progress(driver):
            seen.append(_progress(driver))
        if len(set(seen)) == before:
            burst = min(2 * burst, 1.0)  # not past a whole tiny training


def _upload(driver, path: str, timeout: float = 60) -> None:
    """Give the upload box ``path`` (after clearing a file it shows)."""
    wait = WebDriverWait(driver, timeout, poll_frequency=0.5)
    clear = driver.find_elements(By.CSS_SELECTOR,
                                 '#upload button[aria-label="Clear"]')
    if clear:
        driver.execute_script('arguments[0].click();', clear[0])
    wait.until(lambda d: d.find_elements(
        By.CSS_SELECTOR, '#upload input[type=file]'))[0].send_keys(path)
    wait.until(lambda d: osp.basename(path).split('.')[0]
               in _text(d, '#upload'))


def _wait_message(driver, *words: str, timeout: float = 120) -> str:
    """The ``#message`` once it holds one of ``words``."""
    WebDriverWait(driver, timeout, poll_frequency=0.5).until(
        lambda d: any(w in _text(d, '#message') for w in words))
    return _text(driver, '#message')


def test_upload_train_and_see_samples(browser, app_server, tmp_path):
    url, jobs = app_server
    browser.get(url)
    # Train before any photo: it says so and starts nothing
    _click(browser, '#train')
    said = _wait_message(browser, 'Nothing was started')
    assert 'no photo to train on' in said and not list(jobs.glob('*'))
    # a file that is no image: refused at once, and by Train, with why
    notes = tmp_path / 'notes.png'
    notes.write_text('these are not pixels')
    _upload(browser, str(notes))
    said = _wait_message(browser, 'not an image')
    assert 'notes.png is not an image this app can read' in said
    assert '/tmp' not in said and str(tmp_path) not in said
    _click(browser, '#train')
    said = _wait_message(browser, 'Nothing was started.')
    assert 'notes.png is not an image' in said and not list(jobs.glob('*'))

    _upload(browser, _photo(tmp_path))
    _wait_message(browser, '✅')
    _click(browser, '#train')
    said = _wait_message(browser, 'Started job', 'busy', '⚠')
    assert 'Started job' in said, said
    WebDriverWait(browser, 60).until(lambda d: '?job=' in d.current_url)
    job_id = browser.current_url.split('?job=')[1]
    pid = json.loads((jobs / job_id / 'job.json').read_text())['pid']
    os.killpg(pid, signal.SIGSTOP)  # held between the checks below
    try:
        _mid_training_checks(browser, url, job_id, pid, tmp_path)
    finally:
        os.killpg(pid, signal.SIGCONT)

    # tiny schedule: seconds of training; minutes on a loaded CPU
    WebDriverWait(browser, 420, poll_frequency=1).until(
        lambda d: _loaded_images(d, '#trained-samples') >= 1
        or 'failed' in _text(d, '#status'))
    status = _text(browser, '#status')
    assert 'done' in status, f'{status}\n{_train_log(jobs, job_id)}'
    # more samples: the app loads the model singan train wrote
    _click(browser, '#make-samples')
    WebDriverWait(browser, 120, poll_frequency=0.5).until(
        lambda d: _loaded_images(d, '#your-samples') >= 4
        or _text(d, '#sample-message'))
    assert _text(browser, '#sample-message') == ''
    # one folder per request under JOB/outputs (webapp/results.py)
    assert len(list((jobs / job_id / 'outputs').rglob('sample_*.png'))) == 4
    time.sleep(1.5)  # let the galleries finish drawing
    path = str(tmp_path / 'app.png')
    browser.save_screenshot(path)
    if os.environ.get('SINGAN_UPDATE_SCREENSHOT') == '1':
        os.makedirs(osp.dirname(SCREENSHOT), exist_ok=True)
        shutil.copyfile(path, SCREENSHOT)
    _download_checkpoint(browser, tmp_path)

    # a reload (or a second tab) with the link shows the same job
    browser.get(f'{url}?job={job_id}')
    WebDriverWait(browser, 60, poll_frequency=0.5).until(
        lambda d: job_id in _text(d, '#status')
        and _loaded_images(d, '#trained-samples') >= 1)


def _mid_training_checks(browser, url, job_id, pid, tmp_path) -> None:
    """With the training held: progress and ETA update, a reload and a
    second tab show the job, and one more training is refused as busy."""
    seen = []
    _step_training(browser, pid, seen)
    assert len(set(seen)) >= 2, seen  # the percent (and ETA) moved
    last = seen[-1]
    browser.refresh()  # mid-training: the same job, where it was
    WebDriverWait(browser, 60, poll_frequency=0.5).until(
        lambda d: _progress(d) == last)
    assert job_id in browser.current_url
    first = browser.current_window_handle
    browser.switch_to.new_window('tab')
    try:
        browser.get(f'{url}?job={job_id}')
        WebDriverWait(browser, 60, poll_frequency=0.5).until(
            lambda d: job_id in _text(d, '#status') and _progress(d) == last)
        _upload(browser, _photo(tmp_path))  # beyond --max-jobs 1
        _wait_message(browser, '✅')
        _click(browser, '#train')
        said = _wait_message(browser, 'busy', 'Started job')
        assert 'busy: 1 job training (at most 1 at a time)' in said, said
        assert job_id in said and 'Nothing was started' in said
    finally:
        browser.close()
        browser.switch_to.window(first)


def _download_checkpoint(browser, tmp_path) -> None:
    """The Download tab links the checkpoint; it loads with torch."""
    import torch
    tabs = browser.find_elements(By.CSS_SELECTOR, 'button[role=tab]')
    tab = [t for t in tabs if t.text.strip() == 'Download']
    assert tab, [t.text for t in tabs]
    browser.execute_script('arguments[0].click();', tab[0])
    links = WebDriverWait(browser, 60, poll_frequency=0.5).until(
        lambda d: [a.get_attribute('href') for a in d.find_elements(
            By.CSS_SELECTOR, 'a[download]')
            if '.pth' in (a.get_attribute('href') or '')])
    path = tmp_path / 'downloaded.pth'
    with urllib.request.urlopen(links[0], timeout=60) as answer:
        path.write_bytes(answer.read())
    state = torch.load(str(path), map_location='cpu', weights_only=False)
    assert 'state_dict' in state


def _train_log(jobs, job_id: str) -> str:
    log = jobs / job_id / 'train.log'
    return log.read_text()[-3000:] if log.is_file() else '(no train.log)'
