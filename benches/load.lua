-- wrk script of benches/load.sh: a mixed workload of the public registry, mostly reads
-- (lists, detail pages, search, statistics, reference data), some writes (register,
-- change). LOAD_IDS names a Lua file returning the ids of active cooperatives; TOKEN,
-- when set, is sent as a bearer token with the writes.

local ids = dofile(os.getenv("LOAD_IDS"))
local token = os.getenv("TOKEN")
local tag = os.getenv("LOAD_TAG") or "0"

local threads = 0
function setup(thread)
    thread:set("tid", threads)
    threads = threads + 1
end

local n = 0
function init(args)
    math.randomseed(os.time() * 1000 + (tid or 0))
end

local function pick(list)
    return list[math.random(#list)]
end

local lists = {
    "/api/v1/cooperatives?limit=20",
    "/api/v1/cooperatives?limit=20&province=5",
    "/api/v1/cooperatives?limit=50&sector_group=agriculture_forestry_fisheries",
    "/api/v1/cooperatives?limit=20&status=active&sort=-registration_date",
    "/api/v1/unions?limit=20",
    "/api/v1/cooperative-groups?limit=20",
}
local searches = { "nong+nghiep", "dich+vu", "thuy+san", "HTX+An", "rau", "che", "nuoc+sach" }
local stats = {
    "/api/v1/stats/summary",
    "/api/v1/stats/summary?province=5",
    "/api/v1/stats/summary?province=1&as_of=2023-12-31",
    "/api/v1/stats/by-sector?province=5",
    "/api/v1/stats/by-district?province=6",
    "/api/v1/stats/registrations?from=2018-01-01&to=2025-12-31",
    "/api/v1/stats/registrations?from=2023-01-01&to=2025-12-31&period=quarter",
}
local reference = { "/api/v1/provinces", "/api/v1/sectors", "/api/v1/districts?province=5" }

local function write_headers()
    local h = { ["Content-Type"] = "application/json" }
    if token and token ~= "" then
        h["Authorization"] = "Bearer " .. token
    end
    return h
end

local function register()
    n = n + 1
    local number = string.format("LT%s-%d-%d", tag, tid or 0, n)
    local body = '{"registration_number":"' .. number .. '","name":"HTX Tải thử ' .. number .. '",'
        .. '"sector":"crop_farming","province_id":1,"district_id":109,'
        .. '"address":"Thôn Như Hoa, xã Hồng Thái","legal_representative":"Nguyễn Văn Hòa",'
        .. '"registration_date":"2019-04-02","charter_capital":1500000000,"member_count":27}'
    return wrk.format("POST", "/api/v1/cooperatives", write_headers(), body)
end

local function change()
    local body = string.format('{"phone":"0204 3854 %03d"}', math.random(0, 999))
    return wrk.format("PATCH", "/api/v1/cooperatives/" .. pick(ids), write_headers(), body)
end

-- Out of 1000 requests: 300 lists, 260 detail pages, 120 searches, 160 statistics,
-- 140 reference data, 15 registrations, 5 changes (a public register is read far more
-- than written; every write is a durable commit on the one writer).
function request()
    local r = math.random(1000)
    if r <= 300 then
        return wrk.format("GET", pick(lists))
    elseif r <= 560 then
        return wrk.format("GET", "/api/v1/cooperatives/" .. pick(ids))
    elseif r <= 680 then
        return wrk.format("GET", "/api/v1/cooperatives?limit=20&q=" .. pick(searches))
    elseif r <= 840 then
        return wrk.format("GET", pick(stats))
    elseif r <= 980 then
        return wrk.format("GET", pick(reference))
    elseif r <= 995 then
        return register()
    else
        return change()
    end
end
