-- I_log(level, text): log a message of this rule's own, as the original's module did. It now goes back into
-- the pipeline with syslog() (so file sinks and other rules see it) instead of calling log{} directly, and the
-- pipeline's generation limit stops logging loops.
return function(level, text)
  syslog(level, text, "syslog", script)
end
