-- wrk script: POST the tutorial's pet to the hook; the path is given as wrk's URL.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"petname": "Gromit", "petstatus": "sold"}'

done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  local acknowledged = summary.requests - non2xx
  io.write(string.format("acknowledged(200): %d in %.1f s = %.0f/s; refused or errors: %d (status) %d (socket)\n",
    acknowledged, summary.duration / 1e6, acknowledged / (summary.duration / 1e6), non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
