-- Counts messages per host and logs " host:count ..." as summary/hosts every `options.period`
-- (default an hour) and on SIGHUP.
local hostcounts = require "hostcounts_ext"

function log(msg)
  hostcounts.inc(msg.hostname)
end

function alarm_handler()
  hostcounts.log()
end

function reload_signal()
  hostcounts.log()
end

alarm(options.period or "1h")
