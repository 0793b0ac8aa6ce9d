-- template(text, vars, data): replaces %{name}% with vars[name], a string, or vars[name](data) when a function.
return function(text, vars, data)
  return (text:gsub("%%{([%w_]+)}%%", function(name)
    local v = vars[name]
    if type(v) == "function" then return tostring(v(data)) end
    if v == nil then return "" end
    return tostring(v)
  end))
end
