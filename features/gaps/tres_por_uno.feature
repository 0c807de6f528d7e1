# language: es
@gaps
Característica: Brechas de coordinación — 3x1 para Migrantes (2002-2006)
  Lo que el estudio de caso (001) y la evaluación externa de 2006 que cita señalan: la focalización
  en las comunidades más pobres no está garantizada, el papel de los ciudadanos locales no está
  formalizado, la operación tiene pocos recursos y los municipios tienen capacidad débil.

  Antecedentes:
    Dado el caso de coordinación "tres-por-uno"
    Y existe el compromiso "comunidad-decide" de "comunidades" a "covam"

  Escenario: Los migrantes eligen las comunidades y no se garantiza llegar a las más pobres
    Cuando se genera el reporte de brechas
    Entonces el reporte contiene una brecha de tipo "targeting_not_guaranteed" sobre "sedesol"
    Y la brecha de tipo "targeting_not_guaranteed" tiene gravedad alta

  Escenario: La participación de los ciudadanos locales no está formalizada
    Cuando se genera el reporte de brechas
    Entonces el reporte contiene una brecha de tipo "participation_not_formalised" sobre "sedesol"
    Y el reporte contiene una brecha de tipo "declarative_only" sobre "comunidades"

  Escenario: Los municipios tienen capacidad débil, aunque la participación se hubiera cumplido
    Dado el compromiso "comunidad-decide" está cumplido
    Cuando se genera el reporte de brechas
    Entonces el reporte contiene una brecha de tipo "weak_local_capacity" sobre "municipios"
