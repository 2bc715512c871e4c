"""Deterministic generator of realistic job postings for DreamJobSearch sample data.

Postings look like what the job boards hand us: LinkedIn, Greenhouse, Lever and Ashby links in
each board's real URL form, LinkedIn-style locations, several-paragraph descriptions with
bullet lists, and the occasional missing field. Descriptions are assembled from sentence pools
per technology stack and deliberately include the cases a keyword ranker must get right
("JavaScript" without "Java", "C++17", "C#", ".NET 8", "ASP.NET Core", "Node.js", "machine
learning" as a phrase, Polish and German text with diacritics).

The output depends only on `count` and `seed` (a `random.Random(seed)` drives every choice,
including the UUIDs, and dates are anchored to 2026-11-20), and a shorter run is a prefix of a
longer one with the same seed.

Usage:
    python examples/generate_postings.py --count 320 --seed 7 --out examples/postings.json
    python examples/generate_postings.py --count 25 --format csv --out examples/postings.csv
"""

import argparse
import csv
import json
import random
import sys
import unicodedata
import uuid
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import TextIO, TypeVar

# Real postings use typographic en dashes ("Frontend Engineer \u2013 React"); the
# sample data keeps them on purpose, so RUF001 (ambiguous unicode in strings) is off here.
# ruff: noqa: RUF001

FIELDS = (
    "link",
    "title",
    "company",
    "location",
    "description",
    "posted_at",
    "source",
    "external_id",
)
ANCHOR = datetime(2026, 11, 20, tzinfo=UTC)
WINDOW_DAYS = 60
# WINDOW_DATES[n] is the date n + 1 days before the anchor, so every timestamp precedes it.
WINDOW_DATES = tuple(
    (ANCHOR - timedelta(days=n + 1)).strftime("%Y-%m-%d") for n in range(WINDOW_DAYS)
)
MIN_WORDS = 120
MAX_WORDS = 400
NULL_POSTED_AT_RATE = 0.05
MISSING_FIELD_RATE = 0.03

Posting = dict[str, str | None]
T = TypeVar("T")

# --------------------------------------------------------------------------------------------
# Companies: (name, home country code, what they build, who for). All names are invented.
# --------------------------------------------------------------------------------------------
COMPANIES: tuple[tuple[str, str, str, str], ...] = (
    ("Quillfeather Systems", "PL", "document automation software", "law firms across Europe"),
    ("Vistula Byteworks", "PL", "a payments gateway", "online merchants in Central Europe"),
    ("Żurawiec Technologies", "PL", "warehouse robotics software", "logistics operators"),
    ("Kestrelgate", "PL", "fraud detection APIs", "banks and fintechs"),
    ("Bursztyn Cloud", "PL", "managed Kubernetes hosting", "mid-sized software teams"),
    ("Oakmoss Health", "UK", "a telemedicine platform", "clinics and their patients"),
    ("Tidewell Logistics", "NL", "route optimisation tools", "last-mile delivery fleets"),
    ("Lumenhaus", "DE", "smart building software", "property managers"),
    ("Parsnip Labs", "US", "a recipe and grocery app", "busy families"),
    ("Copperkettle Games", "PL", "cross-platform mobile games", "millions of casual players"),
    ("Halyard Finance", "UK", "treasury management software", "CFOs of growing companies"),
    ("Mosswood Robotics", "US", "autonomous inspection drones", "energy utilities"),
    ("Bramblecode", "DE", "developer tooling", "engineering teams that ship daily"),
    ("Saltmarsh Security", "NL", "a cloud security posture platform", "security teams"),
    ("Amberfield Energy", "DE", "energy trading software", "renewable energy producers"),
    ("Nimbuscraft", "US", "an observability platform", "SRE and platform teams"),
    ("Orchard & Anvil", "UK", "e-commerce infrastructure", "independent brands"),
    ("Pinecrest Payments", "CA", "B2B payment rails", "accounts payable teams"),
    ("Granite Owl Software", "US", "an infrastructure-as-code platform", "DevOps teams"),
    ("Velvetfox Media", "ES", "a video streaming platform", "regional broadcasters"),
    ("Stonebridge Insurtech", "CH", "underwriting software", "insurers and reinsurers"),
    ("Larkspur Analytics", "US", "product analytics", "consumer app companies"),
    ("Harborlight", "PT", "hotel booking software", "boutique hotels"),
    ("Quietwater Bio", "CH", "lab data management software", "biotech researchers"),
    ("Redfern Mobility", "DE", "EV charging management software", "charge point operators"),
    ("Cobaltline", "PL", "a low-code integration platform", "enterprise IT departments"),
    ("Wildthyme", "FR", "a marketplace for local food producers", "restaurants"),
    ("Tesselate", "NL", "a design collaboration tool", "product teams"),
    ("Brightquarry", "IN", "HR and payroll software", "small and medium businesses"),
    ("Kumo Koji", "JP", "supply chain visibility tools", "manufacturers"),
    ("Ferngully Kids", "UK", "an online learning platform", "primary school children"),
    ("Ironbark Data", "US", "a data warehouse automation platform", "analytics teams"),
    ("Sable & Sage", "US", "a personal finance app", "young professionals"),
    ("Northquay", "UK", "a digital mortgage platform", "first-time buyers"),
    ("Aurora Borealis Labs", "CA", "climate risk models", "asset managers"),
    ("Pixelmoor", "PL", "computer vision software", "retail chains"),
    ("Gwiazdka Software House", "PL", "custom software", "clients in the DACH region"),
    ("Müller & Köhn Digital", "DE", "digital products", "German mid-market companies"),
    ("Rheinwerk Systems", "DE", "industrial IoT software", "factory operators"),
    ("Elbflut", "DE", "a B2B marketplace", "industrial suppliers"),
    ("Café Código", "BR", "a restaurant ordering platform", "restaurants across Latin America"),
    ("Tucano Pay", "BR", "instant payment solutions", "Brazilian retailers"),
    ("Lisboa Loop", "PT", "a fleet management SaaS", "car-sharing operators"),
    ("Tramuntana Tech", "ES", "a travel booking engine", "tour operators"),
    ("Edelweiss Quant", "CH", "quantitative trading systems", "asset managers"),
    ("Canalside Studios", "NL", "interactive media", "museums and cultural institutions"),
    ("Bluebell Care", "UK", "care home management software", "care providers"),
    ("Foxglove Genomics", "US", "genomics analysis pipelines", "research hospitals"),
    ("Driftwood Commerce", "US", "headless commerce APIs", "direct-to-consumer brands"),
    ("Hollowpine", "CA", "a collaborative note-taking app", "remote teams"),
    ("Marrow Medical", "US", "medical imaging AI", "radiology departments"),
    ("Kitewing Aero", "FR", "flight operations software", "regional airlines"),
    ("Papillon Legal", "FR", "contract lifecycle software", "in-house legal teams"),
    ("Sundial Scheduling", "US", "workforce scheduling software", "hourly workforces"),
    ("Tinderbox Energy", "UK", "home battery control software", "homeowners with solar panels"),
    ("Glasswing Security", "US", "identity and access management", "enterprises"),
    ("Basalt Compute", "US", "GPU cloud infrastructure", "AI research teams"),
    ("Mistral Fields Agro", "ES", "precision agriculture tools", "farm cooperatives"),
    ("Kanjo Robotics", "JP", "collaborative robot arms", "electronics factories"),
    ("Chai & Code", "IN", "a developer education platform", "students and career switchers"),
    ("Vayu Logistics", "IN", "freight matching software", "truck operators"),
    ("Fenwick Rail", "UK", "rail maintenance planning software", "rail operators"),
    ("Moravian Byte", "CZ", "ERP integrations", "manufacturing companies"),
    ("Baltic Beacon", "EE", "digital identity services", "governments and banks"),
    ("Alpenglow Travel", "AT", "a ski resort booking platform", "winter travellers"),
    ("Nordlys Analytics", "SE", "retail demand forecasting", "grocery chains"),
    ("Corvid Cyber", "IE", "managed detection and response", "mid-sized enterprises"),
    ("Hearthstone Homes", "US", "a property management platform", "landlords"),
)

# --------------------------------------------------------------------------------------------
# Locations: (display text as the boards show it, city used in prose, country code).
# A country code of "REMOTE" marks a remote posting; its city is the remote region.
# --------------------------------------------------------------------------------------------
LOCATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "PL": (
        ("Warsaw, Masovian Voivodeship, Poland", "Warsaw"),
        ("Kraków, Lesser Poland Voivodeship, Poland", "Kraków"),
        ("Wrocław, Lower Silesian Voivodeship, Poland", "Wrocław"),
        ("Gdańsk, Pomeranian Voivodeship, Poland", "Gdańsk"),
        ("Poznań, Greater Poland Voivodeship, Poland", "Poznań"),
        ("Łódź, Łódź Voivodeship, Poland", "Łódź"),
        ("Warszawa, Poland", "Warszawa"),
    ),
    "DE": (
        ("Berlin, Germany", "Berlin"),
        ("Berlin, Berlin, Germany", "Berlin"),
        ("München, Germany", "München"),
        ("Munich, Bavaria, Germany", "Munich"),
        ("Hamburg, Germany", "Hamburg"),
        ("Köln, North Rhine-Westphalia, Germany", "Köln"),
        ("Frankfurt am Main, Hesse, Germany", "Frankfurt"),
    ),
    "UK": (
        ("London, England, United Kingdom", "London"),
        ("Manchester, England, United Kingdom", "Manchester"),
        ("Edinburgh, Scotland, United Kingdom", "Edinburgh"),
        ("Bristol, England, United Kingdom", "Bristol"),
    ),
    "NL": (
        ("Amsterdam, North Holland, Netherlands", "Amsterdam"),
        ("Rotterdam, South Holland, Netherlands", "Rotterdam"),
        ("Utrecht, Netherlands", "Utrecht"),
    ),
    "CH": (
        ("Zürich, Switzerland", "Zürich"),
        ("Zurich, Zurich, Switzerland", "Zurich"),
        ("Geneva, Switzerland", "Geneva"),
    ),
    "ES": (
        ("Madrid, Community of Madrid, Spain", "Madrid"),
        ("Barcelona, Catalonia, Spain", "Barcelona"),
        ("Valencia, Valencian Community, Spain", "Valencia"),
    ),
    "PT": (
        ("Lisbon, Lisbon, Portugal", "Lisbon"),
        ("Porto, Portugal", "Porto"),
    ),
    "FR": (
        ("Paris, Île-de-France, France", "Paris"),
        ("Lyon, Auvergne-Rhône-Alpes, France", "Lyon"),
        ("Toulouse, Occitanie, France", "Toulouse"),
    ),
    "BR": (
        ("São Paulo, São Paulo, Brazil", "São Paulo"),
        ("Rio de Janeiro, Brazil", "Rio de Janeiro"),
        ("Florianópolis, Santa Catarina, Brazil", "Florianópolis"),
    ),
    "US": (
        ("San Francisco, CA", "San Francisco"),
        ("New York, NY", "New York"),
        ("Austin, TX", "Austin"),
        ("Seattle, WA", "Seattle"),
        ("Boston, MA", "Boston"),
        ("Chicago, IL", "Chicago"),
        ("Denver, CO", "Denver"),
        ("San Francisco Bay Area", "the Bay Area"),
        ("Raleigh, NC", "Raleigh"),
    ),
    "CA": (
        ("Toronto, Ontario, Canada", "Toronto"),
        ("Vancouver, British Columbia, Canada", "Vancouver"),
        ("Montreal, Quebec, Canada", "Montreal"),
    ),
    "IN": (
        ("Bengaluru, Karnataka, India", "Bengaluru"),
        ("Hyderabad, Telangana, India", "Hyderabad"),
        ("Pune, Maharashtra, India", "Pune"),
    ),
    "JP": (
        ("Tokyo, Japan", "Tokyo"),
        ("Osaka, Japan", "Osaka"),
    ),
    "IE": (("Dublin, County Dublin, Ireland", "Dublin"),),
    "CZ": (("Prague, Czechia", "Prague"), ("Brno, South Moravian, Czechia", "Brno")),
    "EE": (("Tallinn, Harju County, Estonia", "Tallinn"),),
    "AT": (("Vienna, Vienna, Austria", "Vienna"),),
    "SE": (("Stockholm, Sweden", "Stockholm"),),
}
REMOTE_LOCATIONS: tuple[tuple[str, str, str], ...] = (
    ("Remote", "anywhere", "EU"),
    ("Remote", "anywhere", "US"),
    ("Remote, EU", "the EU", "EU"),
    ("Remote - Poland", "Poland", "PL"),
    ("Remote (US)", "the US", "US"),
    ("Remote, Germany", "Germany", "DE"),
    ("Europe (Remote)", "Europe", "EU"),
    ("United Kingdom (Remote)", "the UK", "UK"),
    ("Canada (Remote)", "Canada", "CA"),
    ("Remote, EMEA", "EMEA", "EU"),
)
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "PL": ("DE", "UK", "CZ", "NL"),
    "DE": ("PL", "NL", "AT", "CH"),
    "UK": ("IE", "NL", "PL", "US"),
    "NL": ("DE", "UK", "PT", "ES"),
    "CH": ("DE", "AT", "UK"),
    "ES": ("PT", "FR", "UK"),
    "PT": ("ES", "NL", "BR"),
    "FR": ("ES", "UK", "DE"),
    "BR": ("PT", "US"),
    "US": ("CA", "UK", "IN", "BR"),
    "CA": ("US", "UK"),
    "IN": ("US", "UK", "NL"),
    "JP": ("US", "IN"),
    "IE": ("UK", "PL"),
    "CZ": ("PL", "DE"),
    "EE": ("PL", "SE", "DE"),
    "AT": ("DE", "CH", "CZ"),
    "SE": ("DE", "EE", "UK"),
}

# --------------------------------------------------------------------------------------------
# Seniority: (title prefix, weight, years of experience phrase, salary multiplier).
# --------------------------------------------------------------------------------------------
SENIORITIES: tuple[tuple[str, int, str, float], ...] = (
    ("Intern", 4, "no", 0.35),
    ("Junior", 12, "1+", 0.6),
    ("Mid", 26, "3+", 1.0),
    ("Senior", 32, "5+", 1.35),
    ("Staff", 7, "8+", 1.7),
    ("Lead", 9, "7+", 1.6),
    ("Principal", 3, "10+", 1.9),
)
MID_PREFIXES = ("", "", "", "Mid", "Mid-level", "Regular")


@dataclass(frozen=True, slots=True)
class Stack:
    """A family of roles: title templates and the sentence pools its descriptions draw from."""

    key: str
    weight: int
    titles: tuple[str, ...]
    pitch: tuple[str, ...]
    duties: tuple[str, ...]
    reqs: tuple[str, ...]
    nice: tuple[str, ...]
    technical: bool = True


STACKS: tuple[Stack, ...] = (
    Stack(
        "python",
        12,
        (
            "{sen} Python Developer",
            "{sen} Backend Engineer (Python)",
            "{sen} Software Engineer, Backend – Python/Django",
            "{sen} Python Engineer – FastAPI",
            "{sen} Django Developer",
            "{sen} Backend Developer (Python, AWS)",
        ),
        (
            "Our backend is written in Python, with Django for the core product and FastAPI "
            "for the newer services.",
            "You will join the {team} team and work on the Python services that power {product}.",
            "We run Python 3.12 everywhere, type-check with mypy and deploy to AWS several "
            "times a day.",
            "The {team} team owns a set of FastAPI microservices backed by PostgreSQL and Redis.",
        ),
        (
            "Design, build and maintain REST APIs in Django REST Framework and FastAPI",
            "Write clean, well-tested Python code and review your colleagues' pull requests",
            "Model data in PostgreSQL and keep our queries fast as we grow",
            "Build asynchronous workers with Celery and RabbitMQ",
            "Improve the reliability of our Python services in production",
            "Migrate legacy Django views to a cleaner service layer",
            "Work with product managers to turn requirements into small, shippable increments",
            "Integrate third-party APIs for {product}",
        ),
        (
            "{years} years of professional experience with Python",
            "Solid knowledge of Django or FastAPI",
            "Good understanding of relational databases, ideally PostgreSQL",
            "Experience writing tests with pytest",
            "Familiarity with Docker and CI/CD pipelines",
            "Understanding of HTTP, REST and API design",
            "Experience with asyncio and async Python frameworks",
            "Comfortable working with Git and code reviews",
        ),
        (
            "Experience with Celery, Redis or Kafka",
            "Some exposure to React or TypeScript on the frontend",
            "Knowledge of AWS (ECS, Lambda, RDS)",
            "Open-source contributions in the Python ecosystem",
            "Experience with SQLAlchemy and Alembic",
            "Familiarity with Pydantic and type hints at scale",
        ),
    ),
    Stack(
        "java",
        9,
        (
            "{sen} Java Developer",
            "{sen} Java Engineer (Spring Boot)",
            "{sen} Backend Engineer – Java/Kotlin",
            "{sen} Software Engineer (Java, Microservices)",
            "{sen} Java Software Engineer",
        ),
        (
            "Our platform is built from Java 21 and Spring Boot microservices running on "
            "Kubernetes.",
            "You will work on the Java services behind {product}, handling millions of "
            "requests per day.",
            "The {team} team maintains a mix of Java and Kotlin services on the JVM, "
            "communicating over Kafka.",
            "We are modernising a large Java 8 monolith into Spring Boot 3 services.",
        ),
        (
            "Develop and maintain microservices in Java with Spring Boot",
            "Design event-driven integrations with Kafka",
            "Optimise JVM performance and tune garbage collection where it matters",
            "Write unit and integration tests with JUnit 5 and Testcontainers",
            "Take part in architecture discussions and technical design reviews",
            "Support the migration from a legacy Java EE application to Spring Boot 3",
            "Own features end to end, from design to production monitoring",
        ),
        (
            "{years} years of experience with Java (Java 17 or newer)",
            "Strong knowledge of Spring Boot, Spring Data and Spring Security",
            "Experience with SQL databases and Hibernate/JPA",
            "Understanding of microservice architecture and messaging (Kafka or RabbitMQ)",
            "Experience with Maven or Gradle",
            "Knowledge of design patterns and clean code principles",
            "Good command of English, both written and spoken",
        ),
        (
            "Experience with Kotlin",
            "Knowledge of Kubernetes and Helm",
            "Familiarity with reactive programming (Project Reactor, WebFlux)",
            "Experience in the {industry} domain",
            "Knowledge of Domain-Driven Design",
        ),
    ),
    Stack(
        "frontend",
        10,
        (
            "{sen} Frontend Developer (React)",
            "{sen} Frontend Engineer – TypeScript/React",
            "{sen} JavaScript Developer",
            "{sen} React Developer",
            "{sen} Frontend Engineer, Design Systems",
            "{sen} UI Engineer (TypeScript)",
        ),
        (
            "Our web app is a TypeScript and React single-page application used by "
            "thousands of {audience}.",
            "You will build the user interfaces of {product} with React, TypeScript and a "
            "lot of attention to detail.",
            "The frontend is written in modern JavaScript and TypeScript; we use Next.js for "
            "server-side rendering.",
            "We maintain our own design system in React and Storybook, shared by five product "
            "teams.",
        ),
        (
            "Build accessible, responsive interfaces in React and TypeScript",
            "Contribute to our component library and design system",
            "Work closely with designers to turn Figma mock-ups into polished features",
            "Improve Core Web Vitals and frontend performance",
            "Write unit tests with Jest and end-to-end tests with Playwright",
            "Refactor legacy JavaScript modules into typed TypeScript",
            "Collaborate with backend engineers on API contracts",
        ),
        (
            "{years} years of experience building web applications with JavaScript",
            "Strong TypeScript skills",
            "Deep knowledge of React, including hooks and state management",
            "Solid HTML5 and CSS3 skills, including CSS-in-JS or Tailwind",
            "Understanding of web accessibility (WCAG 2.1)",
            "Experience with REST or GraphQL APIs",
            "An eye for detail and good UX intuition",
        ),
        (
            "Experience with Next.js or Remix",
            "Knowledge of Vue.js or Svelte",
            "Familiarity with Node.js on the backend",
            "Experience with Redux Toolkit or React Query",
            "Some experience with web performance profiling",
        ),
    ),
    Stack(
        "node",
        5,
        (
            "{sen} Node.js Developer",
            "{sen} Backend Engineer (Node.js/TypeScript)",
            "{sen} Node.js Engineer – NestJS",
            "{sen} Software Engineer, APIs (Node)",
        ),
        (
            "Our backend runs on Node.js and TypeScript, with NestJS services deployed on AWS "
            "Lambda and ECS.",
            "You will build the Node.js APIs behind {product}.",
            "The {team} team owns GraphQL and REST APIs written in TypeScript on Node.js 20.",
        ),
        (
            "Design and build scalable APIs in Node.js with NestJS or Express",
            "Write type-safe backend code in TypeScript",
            "Integrate with payment providers and other third-party services",
            "Model data in PostgreSQL and MongoDB",
            "Improve observability with structured logging, metrics and tracing",
            "Maintain our GraphQL schema and resolvers",
        ),
        (
            "{years} years of experience with Node.js in production",
            "Very good knowledge of TypeScript and modern JavaScript (ES2022+)",
            "Experience with NestJS, Express or Fastify",
            "Knowledge of SQL and NoSQL databases",
            "Understanding of event loops, streams and async patterns",
            "Experience with automated testing (Jest, Vitest)",
        ),
        (
            "Experience with serverless architectures",
            "Knowledge of React",
            "Familiarity with Kafka or SQS",
            "Experience with Prisma or TypeORM",
        ),
    ),
    Stack(
        "fullstack",
        5,
        (
            "{sen} Full Stack Engineer",
            "{sen} Full-Stack Developer (Python/React)",
            "{sen} Fullstack Developer – TypeScript",
            "{sen} Software Engineer, Full Stack",
        ),
        (
            "You will work across the stack: a Python/Django backend and a React frontend "
            "written in TypeScript.",
            "Our product is a TypeScript monorepo: Node.js on the server and React in the browser.",
            "We are a small team, so our full-stack engineers ship features from the database "
            "to the UI.",
        ),
        (
            "Ship features end to end, from the database schema to the React UI",
            "Build backend endpoints and the frontend that consumes them",
            "Write automated tests at every layer",
            "Participate in on-call rotation for the services you build",
            "Help shape our engineering practices as the team grows",
        ),
        (
            "{years} years of experience as a full-stack or backend developer",
            "Experience with React and TypeScript",
            "Backend experience with Python, Ruby or Node.js",
            "Good knowledge of SQL",
            "Product mindset and care for the user experience",
        ),
        (
            "Experience with Ruby on Rails",
            "Knowledge of AWS or GCP",
            "Experience building B2B SaaS products",
        ),
    ),
    Stack(
        "cpp",
        4,
        (
            "{sen} C++ Developer",
            "{sen} C++ Software Engineer (Low Latency)",
            "{sen} Embedded Software Engineer (C/C++)",
            "{sen} C++ Engineer – Graphics",
        ),
        (
            "Our core engine is written in modern C++ (C++17, moving to C++20) and runs on Linux.",
            "You will work on performance-critical C++ code where every microsecond counts.",
            "The {team} team develops embedded firmware in C and C++ for our devices.",
        ),
        (
            "Develop and optimise low-latency components in C++17/C++20",
            "Profile and tune code with perf, Valgrind and sanitizers",
            "Design multithreaded, lock-free data structures",
            "Maintain our CMake build and cross-compilation toolchains",
            "Write unit tests with GoogleTest and Catch2",
            "Review code with a focus on correctness and performance",
        ),
        (
            "{years} years of professional C++ development",
            "Strong knowledge of modern C++ (C++14/C++17 or later) and the STL",
            "Experience with multithreading and concurrency",
            "Good understanding of memory management and CPU caches",
            "Experience on Linux, including debugging with gdb",
            "Familiarity with CMake",
        ),
        (
            "Experience with Boost or Abseil",
            "Knowledge of networking (TCP/UDP, kernel bypass)",
            "Experience with CUDA or Vulkan",
            "Python for tooling and scripting",
            "Experience with RTOS and microcontrollers",
        ),
    ),
    Stack(
        "dotnet",
        6,
        (
            "{sen} .NET Developer",
            "{sen} C# Developer",
            "{sen} Software Engineer (C#/.NET)",
            "{sen} Backend Engineer – ASP.NET Core",
            "{sen} Full Stack .NET Developer (Angular)",
        ),
        (
            "Our backend is built with C# on .NET 8 and ASP.NET Core, hosted on Azure.",
            "You will develop ASP.NET Core Web APIs for {product}.",
            "The {team} team is migrating from .NET Framework 4.8 to .NET 8.",
        ),
        (
            "Develop RESTful services in C# with ASP.NET Core",
            "Work with Entity Framework Core and SQL Server",
            "Deploy and monitor services on Azure (App Service, Functions, Service Bus)",
            "Write unit tests with xUnit or NUnit",
            "Migrate legacy .NET Framework applications to .NET 8",
            "Take part in code reviews and pair programming",
        ),
        (
            "{years} years of commercial experience with C# and .NET",
            "Very good knowledge of ASP.NET Core and .NET 6/7/8",
            "Experience with Entity Framework Core and MS SQL",
            "Understanding of SOLID principles and clean architecture",
            "Experience with Azure DevOps or GitHub Actions",
            "Knowledge of asynchronous programming in C# (async/await)",
        ),
        (
            "Experience with Angular or Blazor",
            "Knowledge of MassTransit or NServiceBus",
            "Azure certifications (AZ-204)",
            "Experience with CQRS and MediatR",
        ),
    ),
    Stack(
        "go",
        5,
        (
            "{sen} Go Developer",
            "{sen} Backend Engineer (Golang)",
            "{sen} Software Engineer – Go, Distributed Systems",
            "{sen} Platform Engineer (Go)",
        ),
        (
            "Most of our backend is written in Go and runs on Kubernetes.",
            "You will build distributed systems in Go (Golang) for {product}.",
            "The {team} team writes Go services that communicate over gRPC and NATS.",
        ),
        (
            "Build and operate high-throughput services in Go",
            "Design gRPC and REST APIs",
            "Improve the performance and reliability of distributed systems",
            "Write Kubernetes operators and controllers",
            "Instrument services with OpenTelemetry and Prometheus",
        ),
        (
            "{years} years of backend development, at least two of them in Go",
            "Good understanding of concurrency (goroutines, channels)",
            "Experience with distributed systems and message queues",
            "Knowledge of PostgreSQL or another relational database",
            "Experience with Docker and Kubernetes",
        ),
        (
            "Experience with Rust or C++",
            "Contributions to cloud-native open-source projects",
            "Knowledge of eBPF",
            "Experience with Terraform",
        ),
    ),
    Stack(
        "rust",
        3,
        (
            "{sen} Rust Engineer",
            "{sen} Rust Developer",
            "{sen} Systems Engineer (Rust)",
            "{sen} Backend Engineer – Rust",
        ),
        (
            "We write our performance-critical services in Rust, with Tokio for async I/O.",
            "You will work on a Rust codebase that processes terabytes of data per day.",
            "The {team} team is rewriting a C++ component in Rust for memory safety.",
        ),
        (
            "Build safe, fast services in Rust with Tokio and Axum",
            "Design efficient data structures and storage formats",
            "Profile and optimise hot paths",
            "Maintain our Rust libraries and internal crates",
            "Write property-based tests and fuzzers",
        ),
        (
            "{years} years of systems programming experience",
            "Production experience with Rust",
            "Understanding of ownership, lifetimes and async Rust",
            "Knowledge of Linux internals and networking",
            "Experience with C or C++",
        ),
        (
            "Experience with WebAssembly",
            "Knowledge of database internals",
            "Open-source contributions to Rust crates",
        ),
    ),
    Stack(
        "android",
        3,
        (
            "{sen} Android Developer (Kotlin)",
            "{sen} Android Engineer",
            "{sen} Mobile Engineer – Kotlin Multiplatform",
            "{sen} Kotlin Developer",
        ),
        (
            "Our Android app is written entirely in Kotlin with Jetpack Compose.",
            "You will build the Android app of {product}, used by hundreds of thousands of "
            "{audience}.",
            "We share business logic between platforms with Kotlin Multiplatform.",
        ),
        (
            "Develop new features for our Android app in Kotlin",
            "Build UIs with Jetpack Compose",
            "Improve app start time, stability and battery usage",
            "Write unit and UI tests",
            "Collaborate with the iOS team on shared architecture",
        ),
        (
            "{years} years of Android development experience",
            "Very good knowledge of Kotlin and coroutines",
            "Experience with Jetpack Compose and MVVM",
            "Knowledge of Android SDK and the app lifecycle",
            "Experience publishing apps to Google Play",
        ),
        (
            "Experience with Kotlin Multiplatform",
            "Knowledge of Swift",
            "Experience with Gradle build optimisation",
        ),
    ),
    Stack(
        "ios",
        3,
        (
            "{sen} iOS Developer",
            "{sen} iOS Engineer (Swift)",
            "{sen} Mobile Developer – Swift/SwiftUI",
        ),
        (
            "Our iOS app is written in Swift, with new screens built in SwiftUI.",
            "You will shape the iOS experience of {product}.",
            "The {team} team ships the iOS app every two weeks.",
        ),
        (
            "Build new features in Swift and SwiftUI",
            "Maintain and modernise older UIKit screens",
            "Improve performance and crash-free rate",
            "Write unit and snapshot tests with XCTest",
            "Work with designers on delightful interactions",
        ),
        (
            "{years} years of iOS development",
            "Strong knowledge of Swift and SwiftUI",
            "Experience with Combine or Swift concurrency (async/await)",
            "Knowledge of Apple's Human Interface Guidelines",
            "Experience releasing apps to the App Store",
        ),
        (
            "Objective-C experience",
            "Experience with modular app architecture",
            "Knowledge of Kotlin or Android",
        ),
    ),
    Stack(
        "data",
        6,
        (
            "{sen} Data Engineer",
            "{sen} Data Engineer (Spark, Airflow)",
            "{sen} Analytics Engineer (dbt, SQL)",
            "{sen} Big Data Engineer",
            "{sen} Data Platform Engineer",
        ),
        (
            "Our data platform runs on Spark, Airflow and Snowflake, fed by Kafka streams.",
            "You will build the pipelines that turn raw events from {product} into reliable "
            "datasets.",
            "The {team} team owns our lakehouse on Databricks and the dbt models on top of it.",
        ),
        (
            "Build batch and streaming pipelines with Apache Spark and Kafka",
            "Orchestrate workflows in Apache Airflow",
            "Model data in dbt and write efficient SQL",
            "Ensure data quality with automated checks and monitoring",
            "Work with analysts and data scientists to understand their needs",
            "Optimise costs and performance of our data warehouse",
        ),
        (
            "{years} years of experience as a data engineer",
            "Excellent SQL skills",
            "Experience with Python or Scala for data processing",
            "Hands-on experience with Spark (PySpark)",
            "Experience with Airflow or a similar orchestrator",
            "Knowledge of cloud data warehouses (Snowflake, BigQuery, Redshift)",
        ),
        (
            "Experience with dbt",
            "Knowledge of Kafka and stream processing (Flink)",
            "Experience with Delta Lake or Apache Iceberg",
            "Familiarity with machine learning pipelines",
        ),
    ),
    Stack(
        "ml",
        6,
        (
            "{sen} Machine Learning Engineer",
            "{sen} Data Scientist",
            "{sen} ML Engineer (NLP)",
            "{sen} Applied Scientist, Machine Learning",
            "{sen} MLOps Engineer",
            "{sen} AI Engineer (LLMs)",
        ),
        (
            "You will build machine learning models that power recommendations in {product}.",
            "Our ML team trains and deploys models with PyTorch, from classical gradient "
            "boosting to transformer-based NLP.",
            "We are looking for someone with a strong background in applied machine\n"
            "learning who enjoys putting models in front of real users.",
            "The {team} team works on large language models, retrieval and evaluation.",
        ),
        (
            "Design, train and evaluate machine learning models",
            "Deploy models to production and monitor their performance",
            "Build feature pipelines and experiment tracking with MLflow",
            "Run A/B tests and analyse the results",
            "Fine-tune and evaluate LLMs for domain-specific tasks",
            "Collaborate with product teams to find problems worth solving with ML",
        ),
        (
            "{years} years of experience in Machine Learning or Data Science",
            "Strong Python skills (NumPy, pandas, scikit-learn)",
            "Experience with PyTorch or TensorFlow",
            "Solid understanding of statistics and probability",
            "Experience deploying models to production",
            "MSc or PhD in Computer Science, Mathematics or a related field, or equivalent "
            "experience",
        ),
        (
            "Experience with NLP and transformer models",
            "Knowledge of MLOps tools (Kubeflow, SageMaker, Vertex AI)",
            "Publications at NeurIPS, ICML or ACL",
            "Experience with vector databases and retrieval-augmented generation",
            "Experience with R for statistical analysis",
        ),
    ),
    Stack(
        "devops",
        7,
        (
            "{sen} DevOps Engineer",
            "{sen} Site Reliability Engineer",
            "{sen} Platform Engineer (Kubernetes)",
            "{sen} Cloud Engineer (AWS)",
            "{sen} DevOps Engineer – Terraform/AWS",
            "{sen} SRE",
        ),
        (
            "Our infrastructure runs on AWS and Kubernetes (EKS), managed entirely with Terraform.",
            "You will make deploying to production boring for every engineer at {company}.",
            "The {team} team owns our Kubernetes clusters, CI/CD and observability stack.",
        ),
        (
            "Manage and evolve our Kubernetes clusters",
            "Write infrastructure as code with Terraform and Helm",
            "Build and maintain CI/CD pipelines in GitHub Actions or GitLab CI",
            "Improve monitoring and alerting with Prometheus, Grafana and Loki",
            "Take part in the on-call rotation and lead incident reviews",
            "Harden our cloud security posture and manage IAM",
            "Automate everything you have to do twice",
        ),
        (
            "{years} years of experience in DevOps, SRE or infrastructure roles",
            "Strong hands-on experience with AWS",
            "Production experience with Kubernetes",
            "Infrastructure as code with Terraform",
            "Scripting skills in Bash and Python or Go",
            "Good understanding of Linux and networking",
        ),
        (
            "CKA or AWS certifications",
            "Experience with ArgoCD or Flux",
            "Knowledge of GCP or Azure",
            "Experience with service meshes (Istio, Linkerd)",
        ),
    ),
    Stack(
        "qa",
        4,
        (
            "{sen} QA Engineer",
            "{sen} QA Automation Engineer",
            "{sen} Software Development Engineer in Test",
            "{sen} Manual Tester",
            "{sen} Test Automation Engineer (Playwright)",
        ),
        (
            "You will own the quality of {product}, from test strategy to automation.",
            "We are building a test automation framework from scratch and want you to lead it.",
            "Our QA engineers are embedded in product teams and work with developers daily.",
        ),
        (
            "Design test plans and test cases for new features",
            "Automate end-to-end tests with Playwright or Cypress",
            "Write API tests with Postman or REST Assured",
            "Report and track bugs in Jira",
            "Take part in release testing and regression cycles",
            "Promote a quality culture across the engineering team",
        ),
        (
            "{years} years of experience in software testing",
            "Knowledge of testing techniques and the ISTQB body of knowledge",
            "Experience with test automation in JavaScript, TypeScript or Python",
            "Understanding of REST APIs and basic SQL",
            "Attention to detail and good communication skills",
        ),
        (
            "ISTQB certification",
            "Experience with performance testing (k6, JMeter)",
            "Experience with mobile testing (Appium)",
        ),
    ),
    Stack(
        "product",
        3,
        (
            "{sen} Product Manager",
            "{sen} Product Owner",
            "{sen} Technical Product Manager, Platform",
            "{sen} Product Manager – Payments",
        ),
        (
            "As a product manager at {company}, you will own the roadmap for {team}.",
            "You will work with engineers, designers and customers to decide what we build next.",
            "We are looking for a product manager who loves talking to {audience}.",
        ),
        (
            "Define and prioritise the product roadmap",
            "Run discovery: interviews, prototypes and experiments",
            "Write clear user stories and acceptance criteria",
            "Define success metrics and track them after launch",
            "Align stakeholders across sales, support and engineering",
        ),
        (
            "{years} years of experience in product management",
            "Experience with B2B SaaS products",
            "Data-driven mindset; comfortable with SQL or analytics tools",
            "Excellent communication and stakeholder management",
            "Experience working with agile engineering teams",
        ),
        (
            "Technical background or experience as an engineer",
            "Experience in the {industry} domain",
            "Experience with Amplitude or Mixpanel",
        ),
    ),
    Stack(
        "design",
        3,
        (
            "{sen} Product Designer",
            "{sen} UX/UI Designer",
            "{sen} UX Researcher",
            "{sen} Visual Designer",
        ),
        (
            "You will design the end-to-end experience of {product}.",
            "Our designers work in small, cross-functional teams with engineers and product "
            "managers.",
            "We are looking for a designer who can move from research insights to polished UI.",
        ),
        (
            "Design user flows, wireframes and high-fidelity prototypes in Figma",
            "Run usability tests and user interviews",
            "Contribute to and evolve our design system",
            "Work with engineers to make sure designs ship as intended",
            "Present and defend design decisions to stakeholders",
        ),
        (
            "{years} years of experience in product or UX design",
            "A portfolio showing your process and outcomes",
            "Excellent skills in Figma",
            "Understanding of accessibility and inclusive design",
            "Experience with user research methods",
        ),
        (
            "Basic knowledge of HTML and CSS",
            "Motion design skills",
            "Experience designing mobile apps",
        ),
    ),
    Stack(
        "security",
        2,
        (
            "{sen} Security Engineer",
            "{sen} Application Security Engineer",
            "{sen} Cloud Security Engineer",
        ),
        (
            "You will help keep {product} and our customers' data safe.",
            "Our security team works with every engineering team on secure design and code.",
        ),
        (
            "Perform threat modelling and security design reviews",
            "Run and triage SAST and DAST tooling in CI",
            "Respond to security incidents and vulnerabilities",
            "Harden cloud infrastructure on AWS",
            "Run our bug bounty programme",
        ),
        (
            "{years} years of experience in application or cloud security",
            "Knowledge of the OWASP Top 10",
            "Ability to read code in at least one of Python, Go or Java",
            "Experience with cloud security on AWS, GCP or Azure",
        ),
        (
            "OSCP or similar certifications",
            "Experience with SOC 2 or ISO 27001 audits",
        ),
    ),
    Stack(
        "people",
        3,
        (
            "{sen} Technical Recruiter",
            "{sen} Talent Acquisition Partner",
            "{sen} HR Business Partner",
            "{sen} People Operations Specialist",
        ),
        (
            "You will help {company} hire the people who will build {product}.",
            "We are growing quickly and need a recruiter who can build great candidate "
            "experiences.",
        ),
        (
            "Own full-cycle recruitment for engineering and product roles",
            "Source candidates and build talent pipelines",
            "Partner with hiring managers on role definitions and interview processes",
            "Improve our employer branding and candidate experience",
            "Report on hiring metrics",
        ),
        (
            "{years} years of experience in recruitment, ideally in tech",
            "Excellent communication skills in English",
            "Experience with an ATS such as Greenhouse, Lever or Ashby",
            "Strong organisational skills",
        ),
        (
            "Additional languages",
            "Experience hiring across multiple countries",
        ),
        technical=False,
    ),
    Stack(
        "business",
        3,
        (
            "{sen} Account Executive",
            "{sen} Customer Success Manager",
            "{sen} Financial Controller",
            "{sen} Marketing Manager",
            "{sen} Office Manager",
            "{sen} Sales Development Representative",
        ),
        (
            "You will work with {audience} who rely on {product}.",
            "Join a friendly team that cares about its customers and each other.",
            "This is a non-engineering role at {company}, close to our customers.",
        ),
        (
            "Manage relationships with key customers",
            "Prepare reports and forecasts for leadership",
            "Coordinate with sales, finance and support teams",
            "Plan campaigns and events",
            "Keep our processes organised and documented",
            "Negotiate contracts and renewals",
        ),
        (
            "{years} years of relevant professional experience",
            "Fluent English; another European language is a plus",
            "Excellent organisational and communication skills",
            "Confidence with spreadsheets and CRM tools (HubSpot or Salesforce)",
        ),
        (
            "Experience in a SaaS company",
            "Familiarity with {industry}",
        ),
        technical=False,
    ),
)
STACK_CUM = list(accumulate(stack.weight for stack in STACKS))
SENIORITY_CUM = list(accumulate(s[1] for s in SENIORITIES))

TEAMS = (
    "Payments",
    "Platform",
    "Checkout",
    "Search",
    "Growth",
    "Core API",
    "Data Platform",
    "Identity",
    "Mobile",
    "Developer Experience",
    "Billing",
    "Risk",
    "Integrations",
    "Observability",
    "Onboarding",
    "Marketplace",
    "Reporting",
    "Infrastructure",
)

GENERIC_DUTIES = (
    "Participate in code reviews and share knowledge with the team",
    "Write technical documentation that your future self will thank you for",
    "Mentor less experienced engineers",
    "Contribute to planning, estimation and retrospectives",
    "Collaborate with product and design in small cross-functional squads",
    "Help us keep technical debt under control",
)
GENERIC_REQS = (
    "Good communication skills in English (at least B2)",
    "Ownership mindset and willingness to learn",
    "Ability to work independently in a remote-friendly environment",
    "Experience working in an agile team (Scrum or Kanban)",
    "A pragmatic approach to trade-offs between speed and quality",
)

BLURBS = (
    "{company} builds {product} for {audience}.",
    "At {company}, we make {product} that {audience} rely on every day.",
    "{company} is a fast-growing company building {product} for {audience}.",
    "Founded in {founded}, {company} develops {product} for {audience}.",
    "{company} is on a mission to make {product} simple for {audience}.",
    "We are {company}: a team of {headcount} people building {product} for {audience}.",
    "{company} ({headcount} employees, profitable since {profitable}) creates {product} for "
    "{audience}.",
)
SENIORITY_PITCH = {
    "Intern": "This is a paid internship (3–6 months) with a dedicated mentor and a real project.",
    "Junior": "This is a great role for someone early in their career who wants to grow fast.",
    "Mid": "You will work independently on well-defined problems and grow into bigger ones.",
    "Senior": "At the senior level you will lead decisions in your area and raise the bar for "
    "the whole team.",
    "Staff": "At staff level you will set direction across several teams.",
    "Lead": "You will lead a team of {team_size} people while staying hands-on.",
    "Principal": "You will shape the long-term direction of {company} and mentor senior "
    "colleagues.",
}
DUTY_HEADERS = (
    "What you'll do:",
    "Responsibilities:",
    "Your responsibilities:",
    "In this role you will:",
    "Day to day, you will:",
    "Your tasks:",
)
REQ_HEADERS = (
    "What we're looking for:",
    "Requirements:",
    "About you:",
    "You'll fit right in if you have:",
    "Must have:",
    "Qualifications:",
)
NICE_HEADERS = ("Nice to have:", "Bonus points for:", "It would be great if you also had:")
BENEFIT_HEADERS = ("What we offer:", "Benefits:", "Why join us:", "Perks:")
BENEFITS = (
    "Flexible working hours",
    "Private health insurance for you and your family",
    "Stock options in a growing company",
    "26 days of paid vacation",
    "An annual learning budget and a proper espresso machine in every office",
    "A home office allowance",
    "Parental leave well above the statutory minimum",
    "Team offsites twice a year",
    "The hardware of your choice (MacBook or Linux laptop)",
    "Bike leasing and a public transport ticket",
    "Mental health support through an employee assistance programme",
    "Paid time for conferences and open-source work",
    "A relocation package if you move to {city}",
    "Four-day work week in summer",
)
WORK_MODE_ONSITE = (
    "This is a hybrid role: we meet in our {city} office two days a week.",
    "You will work from our office in {city}, with one remote day per week.",
    "Our {city} office is in the city centre and easy to reach by public transport.",
    "We are office-first in {city}, but flexible when life happens.",
)
WORK_MODE_REMOTE = (
    "This role is fully remote; you can work from {city}.",
    "We are a remote-first company with team members across many time zones.",
    "Fully remote within {city}, with a budget for a co-working space if you prefer.",
    "Remote, but we ask for a few hours of overlap with Central European Time.",
)
PROCESS = (
    "Our hiring process has four steps: a short call with our recruiter, a technical "
    "conversation, a take-home task or pair-programming session, and a final chat with the "
    "team.",
    "We reply to every application within ten working days, and we give feedback after every "
    "interview stage.",
    "We review applications on a rolling basis, so do not wait until the last moment to apply.",
    "Interviews are held in English over video call; the final stage can be done in person if "
    "you prefer.",
    "If you are not sure you meet every requirement, apply anyway: we care more about what you "
    "can learn than about a checklist.",
)
CLOSINGS = (
    "{company} is an equal opportunity employer. We welcome applications from people of all "
    "backgrounds.",
    "Please send your CV in English. No recruitment agencies, please.",
    "We value diversity and are committed to creating an inclusive environment for all employees.",
    "Excited about this role but not sure you tick every box? Apply anyway!",
    "By applying you agree to the processing of your personal data for recruitment purposes.",
)
LOCAL_TEXT: dict[str, tuple[str, ...]] = {
    "pl": (
        "Szukamy osoby, która swobodnie komunikuje się po polsku i angielsku.",
        "Oferujemy umowę B2B lub umowę o pracę, elastyczne godziny pracy oraz prywatną opiekę "
        "medyczną.",
        "Praca w modelu hybrydowym – dwa dni w tygodniu w biurze w mieście {city}.",
        "Mile widziana znajomość narzędzi chmurowych oraz doświadczenie w zespołach zwinnych.",
        "Zapewniamy budżet szkoleniowy, kartę Multisport i dofinansowanie do nauki języków obcych.",
        "Proces rekrutacji: krótka rozmowa z rekruterką, zadanie techniczne i spotkanie z "
        "zespołem.",
        "Wymagamy bardzo dobrej znajomości języka polskiego w mowie i piśmie.",
        "Dołącz do nas i twórz oprogramowanie, z którego korzystają tysiące użytkowników!",
    ),
    "de": (
        "Wir suchen eine engagierte Persönlichkeit, die unser Team in {city} verstärkt.",
        "Fließende Deutsch- und Englischkenntnisse setzen wir voraus.",
        "Wir bieten flexible Arbeitszeiten, 30 Tage Urlaub, ein Deutschlandticket und einen "
        "Zuschuss zur betrieblichen Altersvorsorge.",
        "Unser Büro liegt zentral, nur wenige Gehminuten vom Hauptbahnhof entfernt.",
        "Du arbeitest in einem kleinen, interdisziplinären Team mit kurzen Entscheidungswegen.",
        "Bewirb dich jetzt – wir freuen uns auf deine Unterlagen!",
        "Erfahrung in agilen Teams und ein hohes Qualitätsbewusstsein sind für uns wichtig.",
        "Gemeinsame Teamevents und Weiterbildungsmöglichkeiten gehören bei uns dazu.",
    ),
    "fr": (
        "Nous recherchons une personne curieuse, autonome et à l'aise en anglais.",
        "Télétravail possible jusqu'à trois jours par semaine, tickets restaurant et mutuelle "
        "prise en charge à 100 %.",
    ),
    "pt": (
        "Procuramos uma pessoa comunicativa, com inglês avançado e vontade de aprender.",
        "Oferecemos vale-refeição, plano de saúde e horário flexível em São Paulo ou remoto.",
    ),
    "es": (
        "Buscamos una persona con ganas de aprender y de trabajar en equipo.",
        "Ofrecemos horario flexible, seguro médico y jornada intensiva en verano.",
    ),
    "ja": (
        "英語と日本語でのコミュニケーションができる方を歓迎します。",
        "フレックスタイム制、リモートワーク可、各種社会保険完備。",
    ),
}
COUNTRY_LANGUAGE = {
    "PL": "pl",
    "DE": "de",
    "AT": "de",
    "CH": "de",
    "FR": "fr",
    "BR": "pt",
    "PT": "pt",
    "ES": "es",
    "JP": "ja",
}
LOCAL_RATE = {"pl": 0.3, "de": 0.3, "fr": 0.2, "pt": 0.2, "es": 0.15, "ja": 0.25}
LOCAL_TITLE_SUFFIX = {"de": " (m/w/d)", "pl": " (k/m)"}

# Salary: (template with {lo} and {hi}, mid-level lower bound, thousands separator, step).
SALARIES: dict[str, tuple[str, int, str, int]] = {
    "PL": (
        "{lo} – {hi} PLN net/month (B2B) or the equivalent on an employment contract",
        16000,
        "\u00a0",
        500,
    ),
    "DE": ("€{lo} – €{hi} gross per year", 62000, ".", 1000),
    "AT": ("€{lo} – €{hi} gross per year (14 salaries)", 54000, ".", 1000),
    "NL": ("€{lo} – €{hi} per year plus 8% holiday allowance", 60000, ",", 1000),
    "FR": ("{lo} € – {hi} € brut annuel", 50000, "\u202f", 1000),
    "ES": ("€{lo} – €{hi} gross per year", 42000, ".", 1000),
    "PT": ("€{lo} – €{hi} gross per year", 36000, ".", 1000),
    "IE": ("€{lo} – €{hi} per year", 65000, ",", 1000),
    "CZ": ("CZK {lo} – {hi} per month", 80000, " ", 1000),
    "EE": ("€{lo} – €{hi} gross per month", 3800, " ", 100),
    "SE": ("SEK {lo} – {hi} per month", 50000, " ", 1000),
    "CH": ("CHF {lo} – {hi} per year", 115000, "'", 1000),
    "UK": ("£{lo} – £{hi} per year", 60000, ",", 1000),
    "US": ("${lo} – ${hi} base salary, plus equity and benefits", 130000, ",", 1000),
    "CA": ("CA${lo} – CA${hi} per year", 105000, ",", 1000),
    "BR": ("R$ {lo} – R$ {hi} por mês (CLT)", 12000, ".", 500),
    "IN": ("₹{lo} – ₹{hi} per annum", 2000000, ",", 50000),
    "JP": ("¥{lo} – ¥{hi} per year", 7500000, ",", 100000),
    "EU": ("€{lo} – €{hi} per year, depending on location", 60000, ",", 1000),
}
SALARY_LEADS = ("Salary: ", "Compensation: ", "Salary range: ", "Pay: ")

SOURCES = ("linkedin", "greenhouse", "lever", "ashby")
SOURCE_CUM = list(accumulate((40, 25, 20, 15)))
GREENHOUSE_ID_SPACE = 9_000_000


class _Dice:
    """Fast, reproducible random choices drawn from one seeded `random.Random`.

    The helpers use only the C-level `random()` and `getrandbits()` of the generator, which is
    several times faster than `choice`, `sample` and `randrange` and keeps 100,000 postings
    within a couple of seconds. The tiny bias of `int(random() * n)` is irrelevant here.
    """

    __slots__ = ("bits", "random")

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311 -- reproducible sample data, not security
        self.random = rng.random
        self.bits = rng.getrandbits

    def below(self, n: int) -> int:
        """A random integer in `[0, n)`."""
        return int(self.random() * n)

    def pick(self, items: Sequence[T]) -> T:
        """One random element of a non-empty sequence."""
        return items[int(self.random() * len(items))]

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        """`min(k, len(items))` distinct elements in random order (partial Fisher-Yates)."""
        pool = list(items)
        n = len(pool)
        k = min(k, n)
        for i in range(k):
            j = i + int(self.random() * (n - i))
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]

    def uniform(self, low: float, high: float) -> float:
        """A random float in `[low, high)`."""
        return low + (high - low) * self.random()

    def weighted(self, items: Sequence[T], cumulative: Sequence[int]) -> T:
        """One element of `items` chosen with the given cumulative weights."""
        return items[bisect(cumulative, self.random() * cumulative[-1])]


def slugify(name: str, sep: str = "-") -> str:
    """An ASCII, lower-case URL slug for a company name ("Müller & Köhn" -> "muller-and-kohn")."""
    ascii_name = (
        unicodedata.normalize("NFKD", name.replace("&", " and "))
        .encode("ascii", "ignore")
        .decode()
        .lower()
    )
    words = "".join(c if c.isalnum() else " " for c in ascii_name).split()
    return sep.join(words)


def _group(value: int, sep: str) -> str:
    """`value` with `sep` between groups of three digits."""
    return f"{value:,}".replace(",", sep)


def _pick_location(rng: _Dice, offices: list[tuple[str, str, str]]) -> tuple[str, str, str, bool]:
    """(display, city, country or region, is_remote) for one posting of a company."""
    if rng.random() < 0.16:
        display, city, region = rng.pick(REMOTE_LOCATIONS)
        return display, city, region, True
    display, city, country = rng.pick(offices)
    return display, city, country, False


def _company_offices(rng: _Dice, home: str, rank: int) -> list[tuple[str, str, str]]:
    """A company's offices: one to three in its home country, sometimes one abroad.

    `rank` is the company's position among companies from the same country; the first office
    rotates through the country's cities with it, so every listed city gets used.
    """
    cities = LOCATIONS[home]
    first = cities[rank % len(cities)]
    others = [city for city in cities if city is not first]
    chosen = [first, *rng.sample(others, rng.below(3))]
    offices = [(display, city, home) for display, city in chosen]
    if rng.random() < 0.45:
        abroad = rng.pick(NEIGHBOURS[home])
        display, city = rng.pick(LOCATIONS[abroad])
        offices.append((display, city, abroad))
    return offices


def _title(rng: _Dice, stack: Stack, seniority: str, language: str | None) -> str:
    """A job title for the stack and seniority, with local conventions where they apply."""
    template = rng.pick(stack.titles)
    if seniority == "Intern":
        base = " ".join(template.replace("{sen}", "").split())
        title = rng.pick((f"{base} Intern", f"Intern – {base}", f"{base} (Internship)"))
    else:
        if seniority == "Mid":
            prefix = rng.pick(MID_PREFIXES)
            if prefix == "Regular" and language != "pl":
                prefix = ""
        else:
            prefix = seniority
        title = " ".join(template.replace("{sen}", prefix).split())
    if language in LOCAL_TITLE_SUFFIX and not title.endswith(")") and rng.random() < 0.4:
        title += LOCAL_TITLE_SUFFIX[language]
    return title


def _salary(rng: _Dice, region: str, multiplier: float) -> str:
    """A salary range sentence in the region's currency and conventions."""
    template, base, sep, step = SALARIES.get(region, SALARIES["EU"])
    low = int(base * multiplier * rng.uniform(0.9, 1.1)) // step * step
    high = int(low * rng.uniform(1.2, 1.45)) // step * step
    return rng.pick(SALARY_LEADS) + template.format(lo=_group(low, sep), hi=_group(high, sep))


def _bullets(header: str, items: list[str]) -> str:
    """A header line followed by "- " bullet lines."""
    return header + "\n" + "\n".join("- " + item for item in items)


def _description(
    rng: _Dice,
    stack: Stack,
    seniority: tuple[str, int, str, float],
    ctx: dict[str, str],
    region: str,
    remote: bool,
    language: str | None,
) -> str:
    """Assemble a 120-400 word description from the stack's and the shared sentence pools."""
    label, _, years, multiplier = seniority
    fill = ctx.copy()
    fill["years"] = years if years != "no" else "0–1"

    intro = [rng.pick(BLURBS).format_map(fill), rng.pick(stack.pitch).format_map(fill)]
    if rng.random() < 0.7:
        intro.append(SENIORITY_PITCH[label].format_map(fill))
    mode = WORK_MODE_REMOTE if remote else WORK_MODE_ONSITE
    intro.append(rng.pick(mode).format_map(fill))
    intro_text = " ".join(intro)

    duties = rng.sample(stack.duties, 3 + rng.below(3))
    if stack.technical:
        duties += rng.sample(GENERIC_DUTIES, rng.below(3))
    reqs = [r.format_map(fill) for r in rng.sample(stack.reqs, 3 + rng.below(3))]
    reqs += rng.sample(GENERIC_REQS, rng.below(3))
    if stack.technical and label in ("Intern", "Junior") and rng.random() < 0.5:
        reqs[0] = "Student or recent graduate in Computer Science or a related field"

    sections: list[str] = [
        intro_text,
        _bullets(rng.pick(DUTY_HEADERS), [d.format_map(fill) for d in duties]),
        _bullets(rng.pick(REQ_HEADERS), reqs),
    ]
    optional: list[str] = []
    if rng.random() < 0.7:
        nice = rng.sample(stack.nice, 1 + rng.below(3))
        optional.append(_bullets(rng.pick(NICE_HEADERS), [n.format_map(fill) for n in nice]))
    benefits = [b.format_map(fill) for b in rng.sample(BENEFITS, 3 + rng.below(3))]
    if rng.random() < 0.5:
        benefit_text = _bullets(rng.pick(BENEFIT_HEADERS), benefits)
    else:
        benefit_text = "We offer: " + ", ".join(b[0].lower() + b[1:] for b in benefits) + "."
    if rng.random() < 0.55:
        benefit_text += "\n\n" + _salary(rng, region, multiplier)
    sections.append(benefit_text)
    if language is not None and rng.random() < LOCAL_RATE[language]:
        pool = [s for s in LOCAL_TEXT[language] if not remote or "{city}" not in s]
        optional.append(" ".join(s.format_map(fill) for s in rng.sample(pool, 2 + rng.below(2))))
    if rng.random() < 0.5:
        optional.append(rng.pick(CLOSINGS).format_map(fill))

    text = "\n\n".join(sections + optional)
    words = len(text.split())
    process = list(PROCESS)
    while words < MIN_WORDS and process:
        extra = process.pop(rng.below(len(process)))
        optional.append(extra)
        words += len(extra.split())
        text = "\n\n".join(sections + optional)
    while words > MAX_WORDS and optional:
        optional.pop()
        text = "\n\n".join(sections + optional)
        words = len(text.split())
    return text


def _posted_at(rng: _Dice) -> str | None:
    """An ISO-8601 UTC timestamp within the window before the anchor, or None (~5%)."""
    if rng.random() < NULL_POSTED_AT_RATE:
        return None
    day = int(WINDOW_DAYS * rng.random() ** 1.2)
    hour = rng.pick((6, 7, 8, 8, 9, 9, 9, 10, 10, 11, 12, 13, 14, 14, 15, 16, 17, 19, 22))
    minute = rng.pick((0, 0, 0, 15, 30, 30, 45)) if rng.random() < 0.6 else rng.below(60)
    return f"{WINDOW_DATES[day]}T{hour:02d}:{minute:02d}:00Z"


class _IdMaker:
    """Board-shaped ids and links, unique across one generated set."""

    def __init__(self, rng: _Dice) -> None:
        self.rng = rng
        self.seen: dict[str, set[str]] = {source: set() for source in SOURCES}

    def make(self, source: str, slugs: tuple[str, str]) -> tuple[str, str]:
        """(link, external_id) for a new posting on `source` by the company with `slugs`."""
        seen = self.seen[source]
        while True:
            if source == "linkedin":
                ext = str(3_700_000_000 + self.rng.below(700_000_000))
                link = f"https://www.linkedin.com/jobs/view/{ext}/"
            elif source == "greenhouse":
                if len(seen) >= GREENHOUSE_ID_SPACE:
                    raise ValueError("too many postings for 7-digit Greenhouse ids")
                ext = str(1_000_000 + self.rng.below(9_000_000))
                link = f"https://boards.greenhouse.io/{slugs[0]}/jobs/{ext}"
            else:
                ext = str(uuid.UUID(int=self.rng.bits(128), version=4))
                host = "jobs.lever.co" if source == "lever" else "jobs.ashbyhq.com"
                link = f"https://{host}/{slugs[1]}/{ext}"
            if ext not in seen:
                seen.add(ext)
                return link, ext


def generate_postings(count: int, seed: int = 7) -> list[Posting]:
    """Generate `count` realistic job postings, identical for the same `seed`.

    Each posting is a dict with the keys in `FIELDS`; `posted_at` is None for about 5% and
    `company` or `location` is empty for about 3%. `(source, external_id)` and `link` are
    unique within the result, and a smaller `count` gives a prefix of a larger one.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    rng = _Dice(seed)
    companies: list[tuple[str, dict[str, str], tuple[str, str], list[tuple[str, str, str]]]] = []
    ranks: dict[str, int] = {}
    for name, home, product, audience in COMPANIES:
        rank = ranks[home] = ranks.get(home, -1) + 1
        ctx = {
            "company": name,
            "product": product,
            "audience": audience,
            "industry": product.removeprefix("a ").removeprefix("an "),
            "founded": str(2006 + rng.below(17)),
            "headcount": str(rng.pick((15, 30, 45, 60, 80, 120, 200, 350, 600, 1200))),
            "profitable": str(2015 + rng.below(10)),
        }
        slugs = (slugify(name, ""), slugify(name))
        companies.append((name, ctx, slugs, _company_offices(rng, home, rank)))
    ids = _IdMaker(rng)
    postings: list[Posting] = []
    for _ in range(count):
        name, base_ctx, slugs, offices = rng.pick(companies)
        stack = rng.weighted(STACKS, STACK_CUM)
        seniority = rng.weighted(SENIORITIES, SENIORITY_CUM)
        if not stack.technical and seniority[0] in ("Staff", "Principal"):
            seniority = SENIORITIES[3]
        display, city, region, remote = _pick_location(rng, offices)
        language = COUNTRY_LANGUAGE.get(region)
        ctx = dict(base_ctx, city=city, team=rng.pick(TEAMS), team_size=str(3 + rng.below(6)))
        title = _title(rng, stack, seniority[0], language)
        description = _description(rng, stack, seniority, ctx, region, remote, language)
        source = rng.weighted(SOURCES, SOURCE_CUM)
        link, external_id = ids.make(source, slugs)
        company, location = name, display
        if rng.random() < MISSING_FIELD_RATE:
            if rng.random() < 0.5:
                company = ""
            else:
                location = ""
        postings.append(
            {
                "link": link,
                "title": title,
                "company": company,
                "location": location,
                "description": description,
                "posted_at": _posted_at(rng),
                "source": source,
                "external_id": external_id,
            }
        )
    return postings


def write_json(postings: list[Posting], out: TextIO) -> None:
    """Write postings as `{"postings": [...]}` with indent=2 and unescaped unicode."""
    json.dump({"postings": postings}, out, indent=2, ensure_ascii=False)
    out.write("\n")


def write_csv(postings: list[Posting], out: TextIO) -> None:
    """Write postings as CSV with a header row of `FIELDS`; None becomes an empty cell."""
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    for posting in postings:
        writer.writerow({key: "" if value is None else value for key, value in posting.items()})


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: generate postings and write them as JSON or CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=320, help="number of postings (320)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (7)")
    parser.add_argument("--out", default="-", help="output file, '-' for stdout (default)")
    parser.add_argument(
        "--format",
        choices=("json", "csv"),
        default=None,
        help="output format; defaults to the --out extension, else json",
    )
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must not be negative")
    fmt = args.format or ("csv" if str(args.out).lower().endswith(".csv") else "json")
    writer = write_csv if fmt == "csv" else write_json
    postings = generate_postings(args.count, args.seed)
    if args.out == "-":
        writer(postings, sys.stdout)
    else:
        with Path(args.out).open("w", encoding="utf-8", newline="") as out:
            writer(postings, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
