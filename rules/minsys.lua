-- The original's minimal example, using every hook. log() prints each message; the other hooks
-- log a message of their own.

function log(msg)
  print(string.format("%s %s %s[%d]: %s",
    os.date("%b %d %H:%M:%S", msg.logtimestamp), msg.host, msg.program, msg.pid, msg.msg))
end

function reload_signal()
  syslog("notice", "reload_signal() called")
end

function alarm_handler()
  syslog("debug", "alarm_handler() called")
end

function cleanup()
  syslog("notice", "cleanup() called")
end

alarm("1h")
