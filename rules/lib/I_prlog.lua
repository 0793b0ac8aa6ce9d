-- I_prlog(program, level, text): like I_log, under another program name.
return function(program, level, text)
  syslog(level, text, "syslog", program)
end
