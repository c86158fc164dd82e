"""Built-in reference data for the demo portfolio: names, streets, cities, market figures.

Everything here is approximate public knowledge (census population shares, average 30-year
fixed rates by year, rough state home values and tax rates), good enough to make a synthetic
portfolio look like a real servicer's, and bundled so seeding needs no network or Faker.
Phone numbers use the 555 exchange and e-mails example.com, so no real person is contacted.
"""

from decimal import Decimal


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# State: (population weight in 100k people (2020 census, rounded), typical home value today in
# thousands, property tax rate %, hazard insurance rate %, [(city, zip prefix, area code), ...]).
STATES: dict[str, tuple[int, int, str, str, list[tuple[str, str, str]]]] = {
    "CA": (
        390,
        760,
        "0.75",
        "0.40",
        [
            ("Los Angeles", "900", "213"),
            ("San Diego", "921", "619"),
            ("San Jose", "951", "408"),
            ("Sacramento", "958", "916"),
            ("Fresno", "937", "559"),
            ("Riverside", "925", "951"),
            ("Oakland", "946", "510"),
        ],
    ),
    "TX": (
        300,
        300,
        "1.60",
        "0.90",
        [
            ("Houston", "770", "713"),
            ("San Antonio", "782", "210"),
            ("Dallas", "752", "214"),
            ("Austin", "787", "512"),
            ("Fort Worth", "761", "817"),
            ("El Paso", "799", "915"),
        ],
    ),
    "FL": (
        222,
        400,
        "0.90",
        "1.20",
        [
            ("Jacksonville", "322", "904"),
            ("Miami", "331", "305"),
            ("Tampa", "336", "813"),
            ("Orlando", "328", "407"),
            ("St. Petersburg", "337", "727"),
        ],
    ),
    "NY": (
        196,
        450,
        "1.40",
        "0.35",
        [("Brooklyn", "112", "718"), ("Buffalo", "142", "716"), ("Rochester", "146", "585"), ("Yonkers", "107", "914")],
    ),
    "PA": (
        130,
        250,
        "1.40",
        "0.30",
        [("Philadelphia", "191", "215"), ("Pittsburgh", "152", "412"), ("Allentown", "181", "610")],
    ),
    "IL": (
        126,
        260,
        "2.00",
        "0.35",
        [("Chicago", "606", "312"), ("Aurora", "605", "630"), ("Naperville", "605", "630")],
    ),
    "OH": (
        118,
        220,
        "1.50",
        "0.30",
        [("Columbus", "432", "614"), ("Cleveland", "441", "216"), ("Cincinnati", "452", "513")],
    ),
    "GA": (
        109,
        320,
        "0.90",
        "0.40",
        [("Atlanta", "303", "404"), ("Augusta", "309", "706"), ("Savannah", "314", "912")],
    ),
    "NC": (
        107,
        320,
        "0.80",
        "0.40",
        [("Charlotte", "282", "704"), ("Raleigh", "276", "919"), ("Greensboro", "274", "336")],
    ),
    "MI": (
        100,
        240,
        "1.40",
        "0.35",
        [("Detroit", "482", "313"), ("Grand Rapids", "495", "616"), ("Lansing", "489", "517")],
    ),
    "NJ": (
        93,
        500,
        "2.20",
        "0.30",
        [("Newark", "071", "973"), ("Jersey City", "073", "201"), ("Paterson", "075", "973")],
    ),
    "VA": (
        87,
        380,
        "0.80",
        "0.30",
        [("Virginia Beach", "234", "757"), ("Richmond", "232", "804"), ("Arlington", "222", "703")],
    ),
    "WA": (78, 580, "0.90", "0.30", [("Seattle", "981", "206"), ("Spokane", "992", "509"), ("Tacoma", "984", "253")]),
    "AZ": (74, 420, "0.60", "0.35", [("Phoenix", "850", "602"), ("Tucson", "857", "520"), ("Mesa", "852", "480")]),
    "TN": (
        70,
        310,
        "0.65",
        "0.40",
        [("Nashville", "372", "615"), ("Memphis", "381", "901"), ("Knoxville", "379", "865")],
    ),
    "MA": (
        70,
        600,
        "1.10",
        "0.30",
        [("Boston", "021", "617"), ("Worcester", "016", "508"), ("Springfield", "011", "413")],
    ),
    "IN": (68, 230, "0.85", "0.30", [("Indianapolis", "462", "317"), ("Fort Wayne", "468", "260")]),
    "MO": (62, 240, "1.00", "0.40", [("Kansas City", "641", "816"), ("St. Louis", "631", "314")]),
    "MD": (62, 420, "1.00", "0.30", [("Baltimore", "212", "410"), ("Silver Spring", "209", "301")]),
    "WI": (59, 280, "1.60", "0.30", [("Milwaukee", "532", "414"), ("Madison", "537", "608")]),
    "CO": (
        58,
        540,
        "0.50",
        "0.45",
        [("Denver", "802", "303"), ("Colorado Springs", "809", "719"), ("Aurora", "800", "303")],
    ),
    "MN": (57, 330, "1.10", "0.40", [("Minneapolis", "554", "612"), ("St. Paul", "551", "651")]),
    "SC": (53, 290, "0.55", "0.50", [("Columbia", "292", "803"), ("Charleston", "294", "843")]),
    "AL": (51, 220, "0.40", "0.50", [("Birmingham", "352", "205"), ("Huntsville", "358", "256")]),
    "LA": (46, 200, "0.55", "1.10", [("New Orleans", "701", "504"), ("Baton Rouge", "708", "225")]),
    "KY": (45, 210, "0.85", "0.40", [("Louisville", "402", "502"), ("Lexington", "405", "859")]),
    "OR": (42, 480, "0.95", "0.25", [("Portland", "972", "503"), ("Salem", "973", "503")]),
    "OK": (40, 200, "0.90", "0.90", [("Oklahoma City", "731", "405"), ("Tulsa", "741", "918")]),
    "CT": (36, 380, "1.70", "0.30", [("Bridgeport", "066", "203"), ("Hartford", "061", "860")]),
    "UT": (33, 500, "0.55", "0.25", [("Salt Lake City", "841", "801"), ("Provo", "846", "801")]),
    "IA": (32, 210, "1.50", "0.30", [("Des Moines", "503", "515")]),
    "NV": (31, 430, "0.55", "0.30", [("Las Vegas", "891", "702"), ("Reno", "895", "775")]),
    "AR": (30, 190, "0.60", "0.50", [("Little Rock", "722", "501")]),
    "MS": (29, 170, "0.75", "0.60", [("Jackson", "392", "601")]),
    "KS": (29, 220, "1.30", "0.50", [("Wichita", "672", "316")]),
    "NM": (21, 300, "0.75", "0.35", [("Albuquerque", "871", "505")]),
    "NE": (20, 250, "1.60", "0.50", [("Omaha", "681", "402")]),
    "ID": (18, 450, "0.60", "0.25", [("Boise", "837", "208")]),
    "WV": (18, 150, "0.55", "0.35", [("Charleston", "253", "304")]),
    "HI": (14, 800, "0.30", "0.25", [("Honolulu", "968", "808")]),
    "NH": (14, 450, "1.80", "0.25", [("Manchester", "031", "603")]),
    "ME": (14, 360, "1.10", "0.25", [("Portland", "041", "207")]),
    "RI": (11, 430, "1.40", "0.35", [("Providence", "029", "401")]),
    "MT": (11, 450, "0.75", "0.30", [("Billings", "591", "406")]),
    "DE": (10, 340, "0.55", "0.30", [("Wilmington", "198", "302")]),
    "SD": (9, 280, "1.10", "0.40", [("Sioux Falls", "571", "605")]),
    "ND": (8, 250, "1.00", "0.40", [("Fargo", "581", "701")]),
    "AK": (7, 350, "1.00", "0.30", [("Anchorage", "995", "907")]),
    "DC": (7, 650, "0.60", "0.25", [("Washington", "200", "202")]),
    "VT": (6, 350, "1.80", "0.25", [("Burlington", "054", "802")]),
    "WY": (6, 330, "0.60", "0.30", [("Cheyenne", "820", "307")]),
    "PR": (5, 150, "0.40", "0.60", [("San Juan", "009", "787")]),
}

# Months (1-12) when the county tax bill is paid from escrow; other states pay twice a year.
TAX_MONTHS = {"CA": (12, 4), "TX": (1,), "FL": (11,), "GA": (11,), "NJ": (2, 5, 8, 11), "NY": (1, 7), "IL": (3, 9)}
DEFAULT_TAX_MONTHS = (6, 12)

# Average 30-year fixed rate by origination year (Freddie Mac PMMS annual averages, rounded).
RATE_BY_YEAR = {
    2005: "5.87",
    2006: "6.41",
    2007: "6.34",
    2008: "6.03",
    2009: "5.04",
    2010: "4.69",
    2011: "4.45",
    2012: "3.66",
    2013: "3.98",
    2014: "4.17",
    2015: "3.85",
    2016: "3.65",
    2017: "3.99",
    2018: "4.54",
    2019: "3.94",
    2020: "3.11",
    2021: "2.96",
    2022: "5.34",
    2023: "6.81",
    2024: "6.72",
    2025: "6.60",
    2026: "6.30",
}
RATE_MIN = Decimal("2.750")
RATE_MAX = Decimal("7.875")

# Share of today's outstanding loans by origination year: the 2020-21 refinance wave dominates.
VINTAGE_WEIGHTS = {
    2005: 1,
    2006: 1,
    2007: 1,
    2008: 1,
    2009: 2,
    2010: 2,
    2011: 2,
    2012: 4,
    2013: 4,
    2014: 3,
    2015: 4,
    2016: 5,
    2017: 4,
    2018: 3,
    2019: 6,
    2020: 13,
    2021: 15,
    2022: 7,
    2023: 5,
    2024: 6,
    2025: 7,
}

# National home price index by year, today = 1.00 (Case-Shiller shape, rounded).
HPI_BY_YEAR = {
    2005: 0.55,
    2006: 0.58,
    2007: 0.56,
    2008: 0.50,
    2009: 0.45,
    2010: 0.44,
    2011: 0.42,
    2012: 0.43,
    2013: 0.47,
    2014: 0.50,
    2015: 0.53,
    2016: 0.56,
    2017: 0.59,
    2018: 0.63,
    2019: 0.65,
    2020: 0.69,
    2021: 0.81,
    2022: 0.92,
    2023: 0.95,
    2024: 0.98,
    2025: 0.99,
    2026: 1.00,
}

FIRST_NAMES = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph "
    "Jessica Thomas Sarah Christopher Karen Charles Lisa Daniel Nancy Matthew Betty Anthony Sandra Mark Margaret "
    "Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa "
    "George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey Cynthia Ryan Dorothy Jacob "
    "Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Brenda Stephen Emma Larry Anna Justin Pamela Scott "
    "Nicole Brandon Samantha Benjamin Katherine Samuel Christine Gregory Debra Alexander Rachel Patrick Carolyn "
    "Frank Janet Raymond Maria Jack Olivia Dennis Heather Jerry Helen Tyler Catherine Aaron Diane Jose Julie Adam "
    "Victoria Nathan Joyce Henry Lauren Zachary Kelly Douglas Christina Peter Ruth Kyle Joan Noah Virginia Ethan "
    "Judith Jeremy Evelyn Walter Hannah Christian Andrea Keith Megan Roger Cheryl Terry Jacqueline Austin Martha "
    "Sean Madison Gerald Teresa Carl Gloria Harold Sara Dylan Janice Arthur Ann Lawrence Kathryn Jordan Abigail "
    "Jesse Sophia Bryan Frances Billy Jean Bruce Alice Gabriel Judy Joe Isabella Logan Julia Alan Grace Juan Amber "
    "Albert Denise Willie Danielle Elijah Marilyn Wayne Beverly Randy Charlotte Vincent Natalie Mason Theresa Roy "
    "Diana Ralph Brittany Bobby Doris Russell Kayla Bradley Alexis Philip Lori Eugene Marie Darnell Aaliyah DeShawn "
    "Imani Tyrone Keisha Malik Latoya Andre Tamika Jamal Ebony Terrence Monique Priya Raj Anil Deepa Mohammed Fatima"
)
LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Jackson Martin Lee "
    "Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams Nelson Baker "
    "Hall Campbell Mitchell Carter Roberts Phillips Evans Turner Parker Collins Edwards Stewart Morris Murphy Cook "
    "Rogers Morgan Cooper Peterson Bailey Reed Kelly Howard Kim Cox Ward Richardson Watson Brooks Wood James "
    "Bennett Gray Hughes Price Sanders Myers Long Ross Foster Powell Jenkins Perry Russell Sullivan Bell Coleman "
    "Butler Henderson Barnes Fisher Henry Graham Simmons Patterson Jordan Reynolds Hamilton Wallace West Cole "
    "Hayes Bryant Gibson Ellis Stevens Murray Ford Marshall Owens McDonald Harrison Kennedy Wells Alexander Tucker "
    "Porter Hunter Hicks Crawford Boyd Mason Warren Dixon Burns Gordon Shaw Holmes Rice Robertson Hunt Black "
    "Daniels Palmer Mills Nichols Grant Knight Ferguson Stone Hawkins Dunn Perkins Hudson Spencer Gardner Stephens "
    "Payne Pierce Berry Matthews Arnold Wagner Willis Ray Watkins Olson Carroll Duncan Snyder Hart Cunningham "
    "Bradley Lane Andrews Ruiz Harper Fox Riley Armstrong Carpenter Weaver Greene Lawrence Elliott Chavez Sims "
    "Austin Peters Kelley Franklin Lawson Fields Ryan Schmidt Carr Castillo Wheeler Chapman Oliver Montgomery "
    "Richards Williamson Johnston Banks Meyer Bishop McCoy Howell Morrison Hansen Harvey Little Burton Stanley "
    "Nguyen George Jacobs Reid Fuller Lynch Dean Gilbert Romero Welch Larson Frazier Burke Hanson Day Mendoza "
    "Moreno Bowman Medina Fowler Brewer Hoffman Carlson Silva Pearson Holland Douglas Fleming Jensen Vargas Byrd "
    "Davidson Hopkins May Terry Herrera Wade Soto Walters Curtis Neal Caldwell Lowe Jennings Barnett Graves Patel "
    "Shah Khan Ali Okafor Adeyemi Cohen Friedman Rossi Russo Kowalski Novak Schultz Becker Mueller"
)
SPANISH_FIRST_NAMES = _words(
    "Jose Maria Juan Guadalupe Luis Ana Carlos Rosa Jesus Carmen Miguel Josefina Francisco Teresa Antonio "
    "Alejandra Alejandro Veronica Manuel Gabriela Pedro Lucia Ricardo Elena Javier Patricia Fernando Adriana "
    "Roberto Marisol Jorge Yolanda Eduardo Leticia Raul Esperanza Hector Beatriz Sergio Claudia Ramon Silvia"
)
SPANISH_LAST_NAMES = _words(
    "Garcia Rodriguez Martinez Hernandez Lopez Gonzalez Perez Sanchez Ramirez Torres Flores Rivera Gomez Diaz "
    "Reyes Cruz Morales Ortiz Gutierrez Chavez Ramos Ruiz Alvarez Mendoza Castillo Jimenez Moreno Romero Herrera "
    "Medina Aguilar Vargas Guzman Castro Salazar Rojas Ortega Delgado Vasquez Figueroa Navarro Cabrera Pena"
)
# Names for borrowers who prefer Chinese, Vietnamese, Korean and Tagalog.
LANGUAGE_NAMES = {
    "zh": (
        _words("Wei Li Jun Mei Hao Xiu Ying Jian Ling Tao Yan Bo"),
        _words("Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Lin Xu"),
    ),
    "vi": (
        _words("Anh Minh Linh Huong Tuan Lan Thanh Hoa Duc Mai Quang Thu"),
        _words("Nguyen Tran Le Pham Hoang Phan Vu Dang Bui Do Ho Ngo"),
    ),
    "ko": (
        _words("Min-jun Seo-yeon Ji-ho Ha-eun Jae-won Soo-jin Hyun-woo Eun-ji"),
        _words("Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim"),
    ),
    "tl": (
        _words("Jose Maria Ramon Teresita Rodrigo Lourdes Ernesto Corazon Danilo Marites"),
        _words("Santos Reyes Cruz Bautista Ocampo Garcia Mendoza Torres Villanueva Dela Cruz"),
    ),
}
# Preferred language by share: Spanish is more common where more Spanish speakers live.
LANGUAGE_WEIGHTS = (("en", 86.0), ("es", 9.0), ("zh", 1.6), ("vi", 1.3), ("ko", 0.9), ("tl", 1.2))
SPANISH_HEAVY_STATES = frozenset({"CA", "TX", "FL", "NM", "AZ", "NV", "PR"})

STREETS = _words(
    "Oak Maple Pine Cedar Elm Walnut Willow Birch Hickory Magnolia Chestnut Sycamore Aspen Spruce Laurel "
    "Washington Lincoln Jefferson Madison Jackson Franklin Adams Monroe Park Lake Hill River Spring Meadow "
    "Highland Sunset Ridge Forest Valley Church Mill School Railroad Market Center Union Prospect Liberty "
    "Harbor Bay Canyon Mesa Vista Prairie Orchard Heritage Colonial Lakeview Fairview Greenwood Brookside"
)
STREET_SUFFIXES = ("St", "Ave", "Rd", "Dr", "Ln", "Ct", "Blvd", "Way", "Pl", "Cir")
UNIT_PREFIXES = ("Apt", "Unit", "#")

AVM_VENDORS = ("Northlake AVM", "Keystone Valuation AVM", "Meridian Data AVM")
BPO_VENDORS = ("Harborview Realty BPO", "Summit Brokers BPO", "Prairie Home BPO")
APPRAISERS = ("Origination appraisal", "Origination appraisal (desktop)")

# How payments arrive; an NSF return is only possible on a check or an ACH debit.
PAYMENT_CHANNELS = (("ACH", 45), ("Online", 30), ("Check", 15), ("Lockbox", 10))
