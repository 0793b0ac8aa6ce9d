-- Whether a rule's log(msg) only reads fields of its message table, so the host may refill one table for every
-- message instead of building a new one each time (about 400 ns and a table to collect, per message).
--
-- Decided once per function from its Lua 5.4 bytecode (string.dump), conservatively: msg (register 0, the first
-- parameter) may be indexed (msg.f, msg[1], msg[k]), tested for truth (if msg) and compared with a constant. Any
-- other use keeps the fresh table: msg passed to a function (relay(home, msg), pairs(msg)), stored, returned,
-- written to (msg.f = x), copied to another local, used as a key or an operand, or a closure made inside log (it
-- could capture msg); also a vararg log. The host applies it only to sandboxed rules: a trusted script has the debug
-- library, which can reach msg from outside log's code.
--
-- The opcode numbers below are Lua 5.4's (lopcodes.h). Loading this file checks them against what this Lua
-- library compiles; if they disagree, every function keeps the fresh table.
local load, byte, type, pcall, dump = load, string.byte, type, pcall, string.dump

local OP = {
  MOVE = 0, GETUPVAL = 9, SETUPVAL = 10, GETTABUP = 11, GETTABLE = 12, GETI = 13, GETFIELD = 14, SETTABUP = 15,
  SETTABLE = 16, SETI = 17, SETFIELD = 18, SELF = 20, ADDI = 21, SHLI = 33, ADD = 34, SHR = 45, MMBIN = 46,
  MMBINI = 47, MMBINK = 48, UNM = 49, LEN = 52, CONCAT = 53, TBC = 55, JMP = 56, EQ = 57, LE = 59, EQK = 60,
  EQI = 61, GEI = 65, TEST = 66, TESTSET = 67, CALL = 68, TAILCALL = 69, RETURN = 70, RETURN0 = 71, RETURN1 = 72,
  FORLOOP = 73, TFORLOOP = 77, SETLIST = 78, CLOSURE = 79, LOADI = 1,
}

-- Whether instruction (op, a, b, c, k) reads register 0 in any way other than the allowed ones.
local function uses_msg(op, a, b, c, k)
  if op == OP.GETFIELD or op == OP.GETI then return false end -- msg.f / msg[1] (B) or another table's field
  if op == OP.GETTABLE then return c == 0 end -- t[msg]
  if op == OP.TEST or op == OP.EQK or op == OP.EQI then return false end -- if msg / msg == constant
  if op == OP.MOVE or op == OP.TESTSET then return b == 0 end
  if op == OP.SETUPVAL or op == OP.TBC or op == OP.RETURN1 then return a == 0 end
  if op == OP.SETTABUP then return not k and c == 0 end
  if op == OP.SETTABLE then return a == 0 or b == 0 or (not k and c == 0) end
  if op == OP.SETI or op == OP.SETFIELD then return a == 0 or (not k and c == 0) end
  if op == OP.SELF then return b == 0 or (not k and c == 0) end
  if op >= OP.ADDI and op <= OP.SHLI then return b == 0 end -- register and constant or immediate
  if op >= OP.ADD and op <= OP.SHR then return b == 0 or c == 0 end
  if op == OP.MMBIN then return a == 0 or b == 0 end
  if op == OP.MMBINI or op == OP.MMBINK then return a == 0 end
  if op >= OP.UNM and op <= OP.LEN then return b == 0 end
  if op >= OP.EQ and op <= OP.LE then return a == 0 or b == 0 end
  if op > OP.EQI and op <= OP.GEI then return a == 0 end
  -- Register ranges starting at A (calls, returns, concatenation, table constructors, loops): 0 only if A is.
  if op == OP.CONCAT or op == OP.CALL or op == OP.TAILCALL or op == OP.RETURN or op == OP.SETLIST
    or (op >= OP.FORLOOP and op <= OP.TFORLOOP) then
    return a == 0
  end
  if op == OP.CLOSURE then return true end -- a closure may capture msg as an upvalue
  return false -- loads, upvalue and global reads, jumps, closes, varargs: no register read
end

-- Reads string.dump's stripped output up to the function's code: its parameter count, vararg flag and instructions.
local function code_of(f)
  local ok, bin = pcall(dump, f, true)
  if not ok then return nil end -- a C function
  local pos = 4 + 1 + 1 + 6 + 3 + 8 + 8 + 1 + 1 -- header, upvalue count of the main function
  local function size() -- dumpSize: 7 bits a byte, most significant first, the last byte marked with 0x80
    local n = 0
    repeat
      local v = byte(bin, pos)
      pos = pos + 1
      n = n * 128 + v % 128
    until v >= 128
    return n
  end
  local source = size() -- stripped: 0, no text
  pos = pos + (source > 0 and source - 1 or 0)
  size() -- linedefined
  size() -- lastlinedefined
  local params, vararg = byte(bin, pos), byte(bin, pos + 1)
  pos = pos + 3
  local count = size()
  local code = {}
  for i = 1, count do
    local b0, b1, b2, b3 = byte(bin, pos, pos + 3)
    pos = pos + 4
    code[i] = b0 + b1 * 256 + b2 * 65536 + b3 * 16777216 -- little-endian, as string.dump writes on x86-64 and arm64
  end
  return params, vararg ~= 0, code
end

-- iABC: opcode 7 bits, A 8, k 1, B 8, C 8 (lopcodes.h); the other formats' fields are read as these, harmlessly.
local function decode(i)
  return i % 128, (i // 128) % 256, (i // 65536) % 256, (i // 16777216) % 256, (i // 32768) % 2 == 1
end

local function reads_only(f)
  if type(f) ~= "function" then return false end
  local params, vararg, code = code_of(f)
  if not params or params < 1 or vararg then return false end
  for i = 1, #code do
    if uses_msg(decode(code[i])) then return false end
  end
  return true
end

-- The check of the opcode numbers: a function using each allowed form and some refused ones, compiled here.
local probe = load([[return function(m, t)
  local a = m.f
  local b = m[1]
  local c = t[a]
  t.x = a
  if m then b = 1 end
  if a == "k" then c = 2 end
  local d = m
  g = t
  return t(a)
end]])()
local expected = { OP.GETFIELD, OP.GETI, OP.GETTABLE, OP.SETFIELD, OP.TEST, OP.JMP, OP.LOADI, OP.EQK, OP.JMP,
  OP.LOADI, OP.MOVE, OP.SETTABUP, OP.MOVE, OP.MOVE, OP.TAILCALL, OP.RETURN, OP.RETURN0 }
local _, _, probe_code = code_of(probe)
local agrees = probe_code ~= nil and #probe_code == #expected
for i = 1, agrees and #expected or 0 do
  if decode(probe_code[i]) ~= expected[i] then agrees = false end
end

if not agrees then
  return function() return false end
end
return reads_only
