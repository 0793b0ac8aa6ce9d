-- Installed by `syslogintr test-rule` in a trusted rule's state, after the prelude and before the script: a
-- replay executes nothing, so the calls that would run a command or write a file are recorded (one JSON action
-- line each) and answered with stand-ins. Live rules never load this file.
local record = ...
local real_open, tostring, error, setmetatable = io.open, tostring, error, setmetatable

local function recorded(action, key, value, mode)
  local err = record(action, key, tostring(value), mode)
  if err then error(err, 3) end
end

-- What the script gets instead of a pipe or a file opened for writing: writes vanish, a read sees an empty file.
local NULL = { __name = "FILE*" }
NULL.__index = NULL
function NULL:write() return self end
function NULL:read(fmt)
  if fmt == "a" or fmt == "*a" then return "" end
  return nil
end
function NULL:lines() return function() return nil end end
function NULL:close() return true, "exit", 0 end
function NULL:flush() return self end
function NULL:seek() return 0 end
function NULL:setvbuf() return true end

function os.execute(command)
  -- os.execute() only asks whether a shell exists: nothing to record.
  if command == nil then return true end
  recorded("os.execute", "command", command, nil)
  return true, "exit", 0
end

function io.popen(command, mode)
  mode = mode or "r"
  recorded("io.popen", "command", command, tostring(mode))
  return setmetatable({}, NULL)
end

function io.open(path, mode)
  if mode ~= nil and tostring(mode):find("[wa+]") then
    recorded("io.open", "path", path, tostring(mode))
    return setmetatable({}, NULL)
  end
  return real_open(path, mode)
end
