/*
 * The operators' pages: a form with data-confirm (Cancel job) asks for
 * confirmation first, and is not sent when the operator declines; the status
 * page's progress bar follows a queued or processing job by polling its JSON
 * (/admin/imports/status/{id}/progress) every second, without reloading the
 * page; once the job reaches a final state polling stops and the page is
 * loaded once more for the summary.
 * Served as a file: the Content-Security-Policy allows no inline script.
 */
(function () {
  'use strict';

  var forms = document.querySelectorAll('form[data-confirm]');
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-confirm'))) {
        event.preventDefault();
      }
    });
  });

  var box = document.getElementById('progress');
  if (!box || box.getAttribute('data-final') === '1') {
    return;
  }
  var url = box.getAttribute('data-url');
  var bar = document.getElementById('progress-bar');
  var failures = 0;
  var stopped = false;

  function text(id, value) {
    var el = document.getElementById(id);
    if (el) {
      el.textContent = value;
    }
  }

  function num(n, decimals) {
    if (n === null || n === undefined) {
      return '\u2014';
    }
    return Number(n).toLocaleString('en-GB', { minimumFractionDigits: decimals || 0, maximumFractionDigits: decimals || 0 });
  }

  function duration(s) {
    if (s === null || s === undefined) {
      return '\u2014';
    }
    s = Math.round(s);
    var pad = function (x) { return (x < 10 ? '0' : '') + x; };
    if (s >= 3600) {
      return Math.floor(s / 3600) + ' h ' + pad(Math.floor((s % 3600) / 60)) + ' min';
    }
    if (s >= 60) {
      return Math.floor(s / 60) + ' min ' + pad(s % 60) + ' s';
    }
    return s + ' s';
  }

  function render(p) {
    bar.value = p.percent;
    bar.textContent = p.percent.toFixed(1) + ' %';
    text('progress-percent', p.percent.toFixed(1) + ' %');
    var status = document.getElementById('job-status');
    if (status) {
      status.textContent = p.status;
      status.className = 'badge badge-' + String(p.status).replace(/[^a-z_-]/g, '');
    }
    text('progress-rows', p.total_rows !== null
      ? num(p.processed_rows) + ' of ' + num(p.total_rows) + ' rows'
      : num(p.processed_rows) + ' rows ' + (p.final ? '(the file\'s rows were never counted)' : '(total not counted yet)'));
    text('progress-imported', num(p.imported_rows));
    text('progress-failed', num(p.failed_rows));
    text('progress-rate', p.rows_per_second !== null ? num(p.rows_per_second, 1) + ' rows/s' : '\u2014');
    text('progress-eta', duration(p.eta_seconds));
    text('progress-elapsed', duration(p.elapsed_seconds));
  }

  function schedule(ms) {
    if (!stopped) {
      window.setTimeout(poll, ms);
    }
  }

  function poll() {
    window.fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (response.status === 401 || response.status === 404) {
          stopped = true;
          text('progress-note', response.status === 401
            ? 'Signed out: reload the page to sign in again.' : 'This job no longer exists.');
          return null;
        }
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        return response.json();
      })
      .then(function (p) {
        if (p === null) {
          return;
        }
        failures = 0;
        render(p);
        if (p.final) {
          stopped = true;
          box.setAttribute('data-final', '1');
          text('progress-note', 'The job has finished (' + p.status + '): loading its summary\u2026');
          window.setTimeout(function () { window.location.reload(); }, 600);
          return;
        }
        schedule(1000);
      })
      .catch(function () {
        failures += 1;
        text('progress-note', 'Cannot reach the server; trying again.');
        schedule(Math.min(15000, 1000 * Math.pow(2, failures)));
      });
  }

  schedule(1000);
}());
