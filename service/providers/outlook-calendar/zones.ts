// Time zones for Graph's dateTimeTimeZone ({dateTime: local wall time, timeZone: name}).
//
// Graph documents Windows zone names ("W. Europe Standard Time") as the timeZone form and
// only "some" IANA names as accepted on create/update, so Tatu writes Windows names (CLDR
// windowsZones mapping below) and falls back to UTC wall time when a zone has no mapping or
// the local time is ambiguous/non-existent (DST overlap/gap): the instant stays exact either
// way. Wall clock ↔ UTC is the service's toolkit (service/time/zones.ts).
import { isZone, utcToWallClock, wallClockInstants, wallClockToUtc } from "../../time/zones.ts";

/** CLDR windowsZones: Windows zone → its primary ("001") IANA zone. */
const WINDOWS_TO_IANA: Record<string, string> = {
  "Dateline Standard Time": "Etc/GMT+12", "UTC-11": "Etc/GMT+11", "Aleutian Standard Time": "America/Adak",
  "Hawaiian Standard Time": "Pacific/Honolulu", "Marquesas Standard Time": "Pacific/Marquesas", "Alaskan Standard Time": "America/Anchorage",
  "UTC-09": "Etc/GMT+9", "Pacific Standard Time (Mexico)": "America/Tijuana", "UTC-08": "Etc/GMT+8",
  "Pacific Standard Time": "America/Los_Angeles", "US Mountain Standard Time": "America/Phoenix",
  "Mountain Standard Time (Mexico)": "America/Mazatlan", "Mountain Standard Time": "America/Denver",
  "Yukon Standard Time": "America/Whitehorse", "Central America Standard Time": "America/Guatemala",
  "Central Standard Time": "America/Chicago", "Easter Island Standard Time": "Pacific/Easter",
  "Central Standard Time (Mexico)": "America/Mexico_City", "Canada Central Standard Time": "America/Regina",
  "SA Pacific Standard Time": "America/Bogota", "Eastern Standard Time (Mexico)": "America/Cancun",
  "Eastern Standard Time": "America/New_York", "Haiti Standard Time": "America/Port-au-Prince", "Cuba Standard Time": "America/Havana",
  "US Eastern Standard Time": "America/Indiana/Indianapolis", "Turks And Caicos Standard Time": "America/Grand_Turk",
  "Paraguay Standard Time": "America/Asuncion", "Atlantic Standard Time": "America/Halifax", "Venezuela Standard Time": "America/Caracas",
  "Central Brazilian Standard Time": "America/Cuiaba", "SA Western Standard Time": "America/La_Paz",
  "Pacific SA Standard Time": "America/Santiago", "Newfoundland Standard Time": "America/St_Johns",
  "Tocantins Standard Time": "America/Araguaina", "E. South America Standard Time": "America/Sao_Paulo",
  "SA Eastern Standard Time": "America/Cayenne", "Argentina Standard Time": "America/Argentina/Buenos_Aires",
  "Montevideo Standard Time": "America/Montevideo", "Magallanes Standard Time": "America/Punta_Arenas",
  "Saint Pierre Standard Time": "America/Miquelon", "Bahia Standard Time": "America/Bahia", "UTC-02": "Etc/GMT+2",
  "Azores Standard Time": "Atlantic/Azores", "Cape Verde Standard Time": "Atlantic/Cape_Verde", "UTC": "Etc/UTC",
  "GMT Standard Time": "Europe/London", "Greenwich Standard Time": "Atlantic/Reykjavik", "Sao Tome Standard Time": "Africa/Sao_Tome",
  "Morocco Standard Time": "Africa/Casablanca", "W. Europe Standard Time": "Europe/Berlin", "Central Europe Standard Time": "Europe/Budapest",
  "Romance Standard Time": "Europe/Paris", "Central European Standard Time": "Europe/Warsaw", "W. Central Africa Standard Time": "Africa/Lagos",
  "Jordan Standard Time": "Asia/Amman", "GTB Standard Time": "Europe/Bucharest", "Middle East Standard Time": "Asia/Beirut",
  "Egypt Standard Time": "Africa/Cairo", "E. Europe Standard Time": "Europe/Chisinau", "Syria Standard Time": "Asia/Damascus",
  "West Bank Standard Time": "Asia/Hebron", "South Africa Standard Time": "Africa/Johannesburg", "FLE Standard Time": "Europe/Kiev",
  "Israel Standard Time": "Asia/Jerusalem", "South Sudan Standard Time": "Africa/Juba", "Kaliningrad Standard Time": "Europe/Kaliningrad",
  "Sudan Standard Time": "Africa/Khartoum", "Libya Standard Time": "Africa/Tripoli", "Namibia Standard Time": "Africa/Windhoek",
  "Arabic Standard Time": "Asia/Baghdad", "Turkey Standard Time": "Europe/Istanbul", "Arab Standard Time": "Asia/Riyadh",
  "Belarus Standard Time": "Europe/Minsk", "Russian Standard Time": "Europe/Moscow", "E. Africa Standard Time": "Africa/Nairobi",
  "Volgograd Standard Time": "Europe/Volgograd", "Iran Standard Time": "Asia/Tehran", "Arabian Standard Time": "Asia/Dubai",
  "Astrakhan Standard Time": "Europe/Astrakhan", "Azerbaijan Standard Time": "Asia/Baku", "Russia Time Zone 3": "Europe/Samara",
  "Mauritius Standard Time": "Indian/Mauritius", "Saratov Standard Time": "Europe/Saratov", "Georgian Standard Time": "Asia/Tbilisi",
  "Caucasus Standard Time": "Asia/Yerevan", "Afghanistan Standard Time": "Asia/Kabul", "West Asia Standard Time": "Asia/Tashkent",
  "Ekaterinburg Standard Time": "Asia/Yekaterinburg", "Pakistan Standard Time": "Asia/Karachi", "Qyzylorda Standard Time": "Asia/Qyzylorda",
  "India Standard Time": "Asia/Kolkata", "Sri Lanka Standard Time": "Asia/Colombo", "Nepal Standard Time": "Asia/Kathmandu",
  "Central Asia Standard Time": "Asia/Bishkek", "Bangladesh Standard Time": "Asia/Dhaka", "Omsk Standard Time": "Asia/Omsk",
  "Myanmar Standard Time": "Asia/Yangon", "SE Asia Standard Time": "Asia/Bangkok", "Altai Standard Time": "Asia/Barnaul",
  "W. Mongolia Standard Time": "Asia/Hovd", "North Asia Standard Time": "Asia/Krasnoyarsk", "N. Central Asia Standard Time": "Asia/Novosibirsk",
  "Tomsk Standard Time": "Asia/Tomsk", "China Standard Time": "Asia/Shanghai", "North Asia East Standard Time": "Asia/Irkutsk",
  "Singapore Standard Time": "Asia/Singapore", "W. Australia Standard Time": "Australia/Perth", "Taipei Standard Time": "Asia/Taipei",
  "Ulaanbaatar Standard Time": "Asia/Ulaanbaatar", "Aus Central W. Standard Time": "Australia/Eucla", "Transbaikal Standard Time": "Asia/Chita",
  "Tokyo Standard Time": "Asia/Tokyo", "North Korea Standard Time": "Asia/Pyongyang", "Korea Standard Time": "Asia/Seoul",
  "Yakutsk Standard Time": "Asia/Yakutsk", "Cen. Australia Standard Time": "Australia/Adelaide", "AUS Central Standard Time": "Australia/Darwin",
  "E. Australia Standard Time": "Australia/Brisbane", "AUS Eastern Standard Time": "Australia/Sydney", "West Pacific Standard Time": "Pacific/Port_Moresby",
  "Tasmania Standard Time": "Australia/Hobart", "Vladivostok Standard Time": "Asia/Vladivostok", "Lord Howe Standard Time": "Australia/Lord_Howe",
  "Bougainville Standard Time": "Pacific/Bougainville", "Russia Time Zone 10": "Asia/Srednekolymsk", "Magadan Standard Time": "Asia/Magadan",
  "Norfolk Standard Time": "Pacific/Norfolk", "Sakhalin Standard Time": "Asia/Sakhalin", "Central Pacific Standard Time": "Pacific/Guadalcanal",
  "Russia Time Zone 11": "Asia/Kamchatka", "New Zealand Standard Time": "Pacific/Auckland", "UTC+12": "Etc/GMT-12", "Fiji Standard Time": "Pacific/Fiji",
  "Chatham Islands Standard Time": "Pacific/Chatham", "UTC+13": "Etc/GMT-13", "Tonga Standard Time": "Pacific/Tongatapu",
  "Samoa Standard Time": "Pacific/Apia", "Line Islands Standard Time": "Pacific/Kiritimati",
};

/** Other IANA zones that share a Windows zone's rules (CLDR territory rows), plus renamed ids. */
const MORE_IANA: Record<string, string[]> = {
  "W. Europe Standard Time": ["Europe/Amsterdam", "Europe/Andorra", "Europe/Rome", "Europe/Vienna", "Europe/Stockholm", "Europe/Zurich", "Europe/Oslo", "Europe/Luxembourg", "Europe/Monaco", "Europe/Malta", "Europe/Gibraltar", "Europe/Vaduz", "Europe/San_Marino", "Europe/Vatican", "Europe/Busingen", "Arctic/Longyearbyen"],
  "Romance Standard Time": ["Europe/Brussels", "Europe/Copenhagen", "Europe/Madrid", "Africa/Ceuta"],
  "Central Europe Standard Time": ["Europe/Prague", "Europe/Belgrade", "Europe/Bratislava", "Europe/Ljubljana", "Europe/Podgorica", "Europe/Tirane"],
  "Central European Standard Time": ["Europe/Sarajevo", "Europe/Skopje", "Europe/Zagreb"],
  "GMT Standard Time": ["Europe/Dublin", "Europe/Lisbon", "Europe/Guernsey", "Europe/Isle_of_Man", "Europe/Jersey", "Atlantic/Canary", "Atlantic/Faroe", "Atlantic/Madeira"],
  "GTB Standard Time": ["Europe/Athens", "Asia/Nicosia", "Asia/Famagusta"],
  "FLE Standard Time": ["Europe/Kyiv", "Europe/Helsinki", "Europe/Riga", "Europe/Sofia", "Europe/Tallinn", "Europe/Vilnius", "Europe/Mariehamn"],
  "Greenwich Standard Time": ["Africa/Abidjan", "Africa/Accra", "Africa/Dakar", "Africa/Bamako", "Atlantic/St_Helena"],
  "Eastern Standard Time": ["America/Toronto", "America/Detroit", "America/Nassau", "America/Montreal", "America/Kentucky/Louisville", "America/Indiana/Petersburg"],
  "Central Standard Time": ["America/Winnipeg", "America/Matamoros", "America/Menominee", "America/Indiana/Knox", "America/Indiana/Tell_City"],
  "Mountain Standard Time": ["America/Edmonton", "America/Boise", "America/Ciudad_Juarez"],
  "Pacific Standard Time": ["America/Vancouver"],
  "US Eastern Standard Time": ["America/Indianapolis", "America/Indiana/Vevay", "America/Indiana/Marengo"],
  "Atlantic Standard Time": ["Atlantic/Bermuda", "America/Glace_Bay", "America/Goose_Bay", "America/Moncton", "America/Thule"],
  "SA Western Standard Time": ["America/Puerto_Rico", "America/Santo_Domingo", "America/Barbados", "America/Manaus", "America/Port_of_Spain", "America/Martinique"],
  "SA Pacific Standard Time": ["America/Lima", "America/Panama", "America/Jamaica", "America/Guayaquil", "America/Cayman"],
  "Argentina Standard Time": ["America/Buenos_Aires", "America/Argentina/Cordoba", "America/Cordoba", "America/Argentina/Mendoza"],
  "E. South America Standard Time": [],
  "China Standard Time": ["Asia/Hong_Kong", "Asia/Macau", "Asia/Chongqing", "Asia/Harbin"],
  "Singapore Standard Time": ["Asia/Kuala_Lumpur", "Asia/Manila", "Asia/Makassar", "Asia/Brunei"],
  "SE Asia Standard Time": ["Asia/Jakarta", "Asia/Ho_Chi_Minh", "Asia/Saigon", "Asia/Phnom_Penh", "Asia/Vientiane", "Asia/Pontianak"],
  "India Standard Time": ["Asia/Calcutta"],
  "Nepal Standard Time": ["Asia/Katmandu"],
  "Myanmar Standard Time": ["Asia/Rangoon"],
  "Arab Standard Time": ["Asia/Qatar", "Asia/Kuwait", "Asia/Bahrain", "Asia/Aden"],
  "Arabian Standard Time": ["Asia/Muscat"],
  "E. Africa Standard Time": ["Africa/Addis_Ababa", "Africa/Dar_es_Salaam", "Africa/Kampala", "Indian/Antananarivo"],
  "South Africa Standard Time": ["Africa/Maputo", "Africa/Harare", "Africa/Lusaka", "Africa/Kigali"],
  "W. Central Africa Standard Time": ["Africa/Algiers", "Africa/Tunis", "Africa/Kinshasa", "Africa/Luanda", "Africa/Douala"],
  "AUS Eastern Standard Time": ["Australia/Melbourne", "Australia/Canberra", "Australia/ACT", "Australia/NSW", "Australia/Victoria"],
  "Cen. Australia Standard Time": ["Australia/Broken_Hill", "Australia/South"],
  "E. Australia Standard Time": ["Australia/Lindeman", "Australia/Queensland"],
  "New Zealand Standard Time": ["Antarctica/McMurdo", "NZ"],
  "Greenland Standard Time": [],
  "UTC": ["UTC", "Etc/GMT", "Etc/Universal", "Etc/Zulu", "GMT", "Zulu", "Universal"],
  "Israel Standard Time": ["Asia/Tel_Aviv"],
  "Turkey Standard Time": ["Asia/Istanbul"],
  "Korea Standard Time": [],
  "Tokyo Standard Time": ["Asia/Dili", "Pacific/Palau"],
  "Hawaiian Standard Time": ["Pacific/Rarotonga", "Pacific/Tahiti"],
};

const IANA_TO_WINDOWS = new Map<string, string>();
for (const [win, iana] of Object.entries(WINDOWS_TO_IANA)) IANA_TO_WINDOWS.set(iana.toLowerCase(), win);
for (const [win, list] of Object.entries(MORE_IANA)) for (const iana of list) IANA_TO_WINDOWS.set(iana.toLowerCase(), win);
// Greenland changed rules in 2023; Nuuk/Godthab stay unmapped on purpose (UTC fallback is exact).
const WINDOWS_LOWER = new Map(Object.keys(WINDOWS_TO_IANA).map((w) => [w.toLowerCase(), w]));

const UTC_NAMES = /^(utc|gmt|z|zulu|etc\/utc|etc\/gmt|etc\/universal|etc\/zulu|universal|tzone:\/\/microsoft\/utc|coordinated universal time)$/i;

export function isUtcName(name: string): boolean {
  return UTC_NAMES.test(name.trim());
}

/** The Windows zone Graph should receive for an IANA zone, when there is a known one. */
export function windowsZoneFor(iana: string): string | undefined {
  if (isUtcName(iana)) return "UTC";
  return IANA_TO_WINDOWS.get(iana.trim().toLowerCase());
}

/** An IANA zone for whatever Graph (or a user) put in timeZone: Windows name, IANA name or UTC. */
export function ianaZoneFor(name: string | null | undefined): string | undefined {
  if (!name) return undefined;
  const trimmed = name.trim();
  if (isUtcName(trimmed)) return "UTC";
  const win = WINDOWS_LOWER.get(trimmed.toLowerCase());
  if (win) return WINDOWS_TO_IANA[win];
  return isIanaZone(trimmed) ? trimmed : undefined;
}

export function isIanaZone(name: string): boolean {
  return (name.includes("/") || isUtcName(name)) && isZone(name);
}

// The Outlook stand-in still reads these two under their old names.
export { utcToWallClock as wallClock, wallClockToUtc as fromWallClock };

/** True when the wall time of `instant` in `zone` names exactly that instant and no other
 *  (whole seconds, not inside a DST overlap), so sending local time cannot shift it. */
export function roundTrips(instant: Date, zone: string): boolean {
  if (instant.getMilliseconds() !== 0) return false;
  const valid = wallClockInstants(utcToWallClock(instant, zone), zone);
  return valid.length === 1 && valid[0]!.getTime() === instant.getTime();
}
