--[[ weave.lua - the first pass of `make book`: fills a chapter with the real
code and the real output, and refuses to build when anything is missing.

A chapter (lessons/NN_name/README.md) asks for:

  ```{.c snippet="sgd.c:sgd_update"}      a listing: the lines between
  ```                                       /* snippet: sgd_update */ and
                                            /* end snippet */ in that file
                                            (relative to the lesson; a path
                                            with a slash is relative to the
                                            repository root)
  ```{.output file="lr_dilemma"}         a table the lesson program wrote to
  ```                                       build/out/NN_name/lr_dilemma.txt
  [ravine_threshold]{.value}             a number from build/out/NN_name/values.txt
  ![Caption.](01_zigzag)                 a figure drawn into build/fig/01_zigzag.svg
                                            and .pdf by the lesson program

Metadata (given with -M by the Makefile): lesson (01_sgd), build (build dir),
deps (a file to write: the sources this chapter read, for make), used (a file
to write: the snippets used, for the unused-snippet check), figs (a file to
write: the figures used). ]]

local lesson, build, deps_file, used_file, figs_file
local read_files, used_snippets, used_figs = {}, {}, {}
local MAX_LINE = 92   -- wider lines overflow the PDF page

local function fail(msg)
  io.stderr:write("lessons/" .. (lesson or "?") .. "/README.md: " .. msg .. "\n")
  os.exit(1)
end

local function read_all(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

local function file_exists(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

local function check_width(text, what)
  local n = 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    if utf8.len(line) and utf8.len(line) > MAX_LINE then
      fail(what .. ", line " .. n .. " is " .. utf8.len(line) .. " characters wide (at most " ..
           MAX_LINE .. " fit on a page)")
    end
  end
end

local function get_meta(m)
  local function need(key)
    if not m[key] then error("weave.lua needs -M " .. key .. "=...", 0) end
    return pandoc.utils.stringify(m[key])
  end
  lesson, build = need("lesson"), need("build")
  deps_file, used_file, figs_file = need("deps"), need("used"), need("figs")
end

-- The lines between "/* snippet: NAME */" and the next "/* end snippet */".
local function extract_snippet(path, name)
  local text = read_all(path)
  if not text then fail("snippet " .. name .. ": cannot read " .. path) end
  read_files[path] = true
  local lines, inside, found = {}, false, 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    local opened = line:match("^%s*/%* snippet: ([%w_]+) %*/%s*$")
    if opened then
      if inside then fail(path .. ": snippet " .. opened .. " starts inside another snippet") end
      if opened == name then inside, found = true, found + 1 end
    elseif line:match("^%s*/%* end snippet %*/%s*$") then
      inside = false
    elseif inside then
      table.insert(lines, line)
    end
  end
  if found == 0 then fail("no snippet '" .. name .. "' in " .. path) end
  if found > 1 then fail("snippet '" .. name .. "' appears " .. found .. " times in " .. path) end
  -- A snippet from inside a function keeps its shape but loses the common indent.
  local indent = nil
  for _, line in ipairs(lines) do
    if line:match("%S") then
      local lead = #line:match("^( *)")
      if not indent or lead < indent then indent = lead end
    end
  end
  for i, line in ipairs(lines) do lines[i] = line:sub((indent or 0) + 1) end
  return table.concat(lines, "\n")
end

local function listing(el)
  local spec = el.attributes["snippet"]
  local file, name = spec:match("^([^:]+):([%w_]+)$")
  if not file then fail("snippet=\"" .. spec .. "\" should look like file.c:name") end
  local path = file:find("/") and file or ("lessons/" .. lesson .. "/" .. file)
  local code = extract_snippet(path, name)
  check_width(code, "snippet " .. spec)
  used_snippets[path .. ":" .. name] = true
  el.text = code
  el.attributes["snippet"] = nil
  el.attributes["source"] = path
  return el
end

local function output(el)
  local name = el.attributes["file"]
  local path = build .. "/out/" .. lesson .. "/" .. name .. ".txt"
  local text = read_all(path)
  if not text then fail("output '" .. name .. "' is missing: " .. path .. " was not written by the lesson program") end
  text = text:gsub("\n$", "")
  check_width(text, "output " .. name)
  el.text = text
  el.attributes["file"] = nil
  el.attributes["source"] = "build/out/" .. lesson .. "/" .. name .. ".txt"
  return el
end

function CodeBlock(el)
  if el.attributes["snippet"] then return listing(el) end
  if el.classes:includes("output") then
    if not el.attributes["file"] then fail("an output block needs file=\"...\"") end
    return output(el)
  end
  -- Code typed into the chapter by hand must still fit the page.
  check_width(el.text, "a code block")
  return nil
end

local values = nil
local function value_of(name)
  if not values then
    values = {}
    local path = build .. "/out/" .. lesson .. "/values.txt"
    local text = read_all(path)
    if not text then fail("no " .. path .. ": run the lesson program first") end
    for key, v in text:gmatch("([%w_]+) ([^\n]*)\n") do values[key] = v end
  end
  return values[name]
end

function Span(el)
  if not el.classes:includes("value") then return nil end
  local name = pandoc.utils.stringify(el.content)
  local v = value_of(name)
  if not v then fail("value '" .. name .. "' is not in build/out/" .. lesson .. "/values.txt") end
  return pandoc.Str(v)
end

function Image(el)
  local name = el.src
  if name:find("/") or name:find("%.") then
    fail("figure '" .. name .. "': name the figure only (like 01_zigzag), not a path")
  end
  for _, ext in ipairs({".svg", ".pdf"}) do
    if not file_exists(build .. "/fig/" .. name .. ext) then
      fail("figure '" .. name .. "' is missing: the lesson program did not draw " ..
           build .. "/fig/" .. name .. ext)
    end
  end
  used_figs[name] = true
  el.src = "fig/" .. name
  return el
end

local function write_lines(path, set, prefix)
  local f = assert(io.open(path, "w"))
  local keys = {}
  for k in pairs(set) do table.insert(keys, k) end
  table.sort(keys)
  if prefix then f:write(prefix) end
  for _, k in ipairs(keys) do f:write(prefix and (" " .. k) or (k .. "\n")) end
  if prefix then f:write("\n") end
  f:close()
end

local function finish(doc)
  -- For make: the chapter depends on every source file it took a listing from.
  write_lines(deps_file, read_files, build .. "/book/src/" .. lesson .. ".md:")
  write_lines(used_file, used_snippets)
  write_lines(figs_file, used_figs)
  return doc
end

return {
  {Meta = get_meta},
  {CodeBlock = CodeBlock, Span = Span, Image = Image},
  {Pandoc = finish},
}
