import FaaSCore
