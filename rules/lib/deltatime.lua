-- deltatime(secs): "1y_2d_3h_4m_5s", as the original's module (a leading "_" when there are no years).
return function(secs)
  secs = math.floor(secs)
  local years = secs // (365 * 86400)
  secs = secs % (365 * 86400)
  local days = secs // 86400
  secs = secs % 86400
  local hours = secs // 3600
  secs = secs % 3600
  local mins = secs // 60
  secs = secs % 60
  local out = ""
  if years > 0 then out = string.format("%dy", years) end
  return out .. string.format("_%dd_%dh_%dm_%ds", days, hours, mins, secs)
end
